package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.driftwatch.monitor.support.ServiceTest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

/** The UI account: a generated password is printed once, stored hashed and the same after a restart. */
@ServiceTest
class AdminAccountTest {

    private static final Pattern PRINTED = Pattern.compile("password: (\\S+)");

    @Autowired
    JdbcTemplate jdbc;

    private final PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();

    @Test
    void generatesPrintsOnceAndKeepsThePasswordAcrossRestarts() {
        String user = "admin-" + System.nanoTime();
        Logger logger = (Logger) LoggerFactory.getLogger(AdminAccount.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        try {
            AdminAccount first = new AdminAccount(new AdminProperties(user, null), jdbc);
            assertThat(log.list).hasSize(1);
            Matcher m = PRINTED.matcher(log.list.get(0).getFormattedMessage());
            assertThat(m.find()).isTrue();
            String password = m.group(1);
            UserDetails details = first.loadUserByUsername(user);
            assertThat(encoder.matches(password, details.getPassword())).isTrue();
            String stored = jdbc.queryForObject("SELECT password_hash FROM ui_user WHERE username = ?", String.class,
                    user);
            assertThat(stored).isEqualTo(details.getPassword()).doesNotContain(password);

            // a "restart": nothing printed, the same password works
            AdminAccount second = new AdminAccount(new AdminProperties(user, null), jdbc);
            assertThat(log.list).hasSize(1);
            assertThat(encoder.matches(password, second.loadUserByUsername(user).getPassword())).isTrue();
        } finally {
            logger.detachAppender(log);
        }
    }

    @Test
    void aConfiguredPasswordWinsAndOtherNamesAreUnknown() {
        AdminAccount account = new AdminAccount(new AdminProperties("ops", "s3cret-enough"), jdbc);
        assertThat(encoder.matches("s3cret-enough", account.loadUserByUsername("ops").getPassword())).isTrue();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM ui_user WHERE username = 'ops'", Long.class)).isZero();
        assertThatThrownBy(() -> account.loadUserByUsername("admin")).isInstanceOf(UsernameNotFoundException.class);
    }
}
