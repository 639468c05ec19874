package dev.driftwatch.monitor.token;

import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.project.ProjectRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** Creates the bootstrap project and token ({@link BootstrapProperties}) at start when missing. */
@Component
@EnableConfigurationProperties(BootstrapProperties.class)
class Bootstrap implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);

    private final BootstrapProperties properties;
    private final ProjectRepository projects;
    private final TokenService tokens;

    Bootstrap(BootstrapProperties properties, ProjectRepository projects, TokenService tokens) {
        this.properties = properties;
        this.projects = projects;
        this.tokens = tokens;
    }

    @Override
    @Transactional
    public void run(ApplicationArguments args) {
        String key = properties.project();
        if (key == null || key.isBlank()) {
            return;
        }
        if (!Project.isValidKey(key)) {
            throw new IllegalStateException("driftwatch.bootstrap.project must match " + Project.KEY_RULE
                    + " and not be . or ..: '" + key + "'");
        }
        // an insert that does nothing where the key is taken: two instances starting at once on one database
        if (projects.createIfAbsent(key, key) == 1) {
            log.info("Created bootstrap project '{}'", key);
        }
        Project project = projects.findByKey(key).orElseThrow();
        String token = properties.token();
        if (token != null && !token.isBlank()) {
            ApiToken stored = tokens.register(project, "bootstrap", token);
            if (stored.getRevokedAt() == null) {
                // the operator's token: it may set up notification channels
                tokens.grant(stored, ApiToken.SCOPE_CHANNELS);
            } else {
                log.warn("The configured driftwatch.bootstrap.token was revoked at {}; it stays revoked (remove it"
                        + " from the configuration, or configure a new one)", stored.getRevokedAt());
            }
        }
    }
}
