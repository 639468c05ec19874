package dev.driftwatch.monitor.web;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * The UI's one account, the administrator of {@link AdminProperties}. A configured password is used
 * as given (hashed in memory). Without one, the first start generates a password, prints it once and
 * stores its BCrypt hash in {@code ui_user}; later starts read the hash back.
 */
@Component
@EnableConfigurationProperties(AdminProperties.class)
class AdminAccount implements UserDetailsService {

    private static final Logger log = LoggerFactory.getLogger(AdminAccount.class);
    private static final String ROLE = "ADMIN";

    private final String username;
    private final String passwordHash;

    AdminAccount(AdminProperties properties, JdbcTemplate jdbc) {
        PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
        this.username = properties.adminUsername();
        if (properties.passwordConfigured()) {
            this.passwordHash = encoder.encode(properties.adminPassword());
        } else {
            this.passwordHash = storedOrGenerated(jdbc, encoder);
        }
    }

    private String storedOrGenerated(JdbcTemplate jdbc, PasswordEncoder encoder) {
        List<String> stored =
                jdbc.queryForList("SELECT password_hash FROM ui_user WHERE username = ?", String.class, username);
        if (!stored.isEmpty()) {
            return stored.get(0);
        }
        byte[] bytes = new byte[15];
        new SecureRandom().nextBytes(bytes);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        String hash = encoder.encode(password);
        // ON CONFLICT: two replicas starting at once on one database agree on the first one's password
        int inserted = jdbc.update("INSERT INTO ui_user (username, password_hash) VALUES (?, ?) ON CONFLICT DO NOTHING",
                username, hash);
        if (inserted == 0) {
            return jdbc.queryForObject("SELECT password_hash FROM ui_user WHERE username = ?", String.class, username);
        }
        log.warn("""

                ==========================================================================
                  driftwatch UI login generated (shown only this once, keep it):
                    user:     {}
                    password: {}
                  Set driftwatch.security.admin-password to choose your own.
                ==========================================================================""",
                username, password);
        return hash;
    }

    @Override
    public UserDetails loadUserByUsername(String name) {
        if (!username.equals(name)) {
            throw new UsernameNotFoundException("no such user");
        }
        return User.withUsername(username).password(passwordHash).roles(ROLE).build();
    }
}
