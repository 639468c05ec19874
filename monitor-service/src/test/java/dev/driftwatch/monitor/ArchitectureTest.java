package dev.driftwatch.monitor;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.freeze.FreezingArchRule;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Controller;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.RestController;

/**
 * The service's structure: feature packages own their tables, controllers call services and run no
 * SQL, controllers hold no transactions, packages do not depend on each other in cycles.
 *
 * <p>Rules that the code does not meet yet are frozen ({@link FreezingArchRule}): the violations that
 * existed when the rule came are recorded in {@code src/test/resources/archunit_store} and may only
 * shrink (a fixed one drops out of the store); any new violation fails the build. The rules the code
 * meets already are plain.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.driftwatch.monitor");
    }

    @Test
    void featurePackagesAreFreeOfCycles() {
        slices().matching("dev.driftwatch.monitor.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void controllersRunNoSql() {
        ArchRule rule = noClasses().that().areAnnotatedWith(Controller.class).or().areAnnotatedWith(RestController.class)
                .should().dependOnClassesThat().areAssignableTo(JdbcTemplate.class)
                .orShould().dependOnClassesThat().areAssignableTo(NamedParameterJdbcTemplate.class)
                .orShould().dependOnClassesThat().areAssignableTo(EntityManager.class)
                .because("a controller calls its feature's service, which owns the tables");
        rule.check(classes);
    }

    @Test
    void theWebPackageRunsNoSql() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.driftwatch.monitor.web..")
                .should().dependOnClassesThat().areAssignableTo(JdbcTemplate.class)
                .orShould().dependOnClassesThat().areAssignableTo(NamedParameterJdbcTemplate.class)
                .orShould().dependOnClassesThat().areAssignableTo(EntityManager.class)
                .because("the UI reads through the feature packages' services");
        FreezingArchRule.freeze(rule).check(classes);
    }

    @Test
    void controllersHoldNoTransactions() {
        noClasses().that().areAnnotatedWith(Controller.class).or().areAnnotatedWith(RestController.class)
                .should().beAnnotatedWith(Transactional.class)
                .because("one service call is one transaction per user action").check(classes);
        noMethods().that().areDeclaredInClassesThat().areAnnotatedWith(Controller.class)
                .or().areDeclaredInClassesThat().areAnnotatedWith(RestController.class)
                .should().beAnnotatedWith(Transactional.class)
                .because("one service call is one transaction per user action").check(classes);
    }
}
