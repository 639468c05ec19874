package dev.driftwatch.plugin;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.members;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What a user of the library sees: the public (and, in types open to subclasses, protected) fields,
 * constructors and methods of the public types in the packages a user imports ({@link #API}) name no type of
 * the plugin's other packages (the implementation's {@code math}, {@code base}, {@code params}, which may
 * change in any release) in their parameter, return, field or {@code throws} types, generics included; nor
 * do those public types extend or implement one.
 */
class PublicApiTest {

    /** The packages a user imports. */
    static final List<String> API = List.of("dev.driftwatch.plugin", "dev.driftwatch.plugin.probe",
            "dev.driftwatch.plugin.report", "dev.driftwatch.plugin.sink", "dev.driftwatch.plugin.ship",
            "dev.driftwatch.plugin.loss");

    /** The implementation's packages. */
    static final List<String> IMPLEMENTATION = List.of("dev.driftwatch.plugin.math", "dev.driftwatch.plugin.base",
            "dev.driftwatch.plugin.params");

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.driftwatch.plugin");

    @Test
    void publicMembersOfTheApiNameNoImplementationType() {
        members().that(visibleToUsers()).should(nameOnlyApiTypes()).check(CLASSES);
    }

    @Test
    void publicTypesOfTheApiExtendNoImplementationType() {
        classes().that(DescribedPredicate.describe("are public types of the API packages",
                c -> API.contains(c.getPackageName()) && isPublic(c))).should(haveOnlyApiSupertypes()).check(CLASSES);
    }

    @Test
    void theLibraryHoldsOnlyItsApiAndImplementation() {
        // e.g. no demo data reader: those live in examples/
        List<String> all = new java.util.ArrayList<>(API);
        all.addAll(IMPLEMENTATION);
        classes().should().resideInAnyPackage(all.toArray(String[]::new)).check(CLASSES);
    }

    private static DescribedPredicate<JavaMember> visibleToUsers() {
        return DescribedPredicate.describe("are visible to a user of the API packages", m -> {
            JavaClass owner = m.getOwner();
            return API.contains(owner.getPackageName()) && isPublic(owner)
                    && (m.getModifiers().contains(JavaModifier.PUBLIC)
                            || m.getModifiers().contains(JavaModifier.PROTECTED) && !owner.getModifiers()
                                    .contains(JavaModifier.FINAL))
                    && !m.getModifiers().contains(JavaModifier.SYNTHETIC);
        });
    }

    private static boolean isPublic(JavaClass c) {
        for (JavaClass at = c; at != null; at = at.getEnclosingClass().orElse(null)) {
            if (!at.getModifiers().contains(JavaModifier.PUBLIC)) {
                return false;
            }
        }
        return true;
    }

    private static ArchCondition<JavaMember> nameOnlyApiTypes() {
        return new ArchCondition<>("name no type of the plugin's packages outside the API") {
            @Override
            public void check(JavaMember member, ConditionEvents events) {
                Set<JavaClass> named = new LinkedHashSet<>();
                if (member instanceof JavaField f) {
                    named.addAll(f.getType().getAllInvolvedRawTypes());
                } else if (member instanceof JavaCodeUnit c) {
                    named.addAll(c.getReturnType().getAllInvolvedRawTypes());
                    c.getParameterTypes().forEach(t -> named.addAll(t.getAllInvolvedRawTypes()));
                    c.getThrowsClause().getTypes().forEach(named::add);
                }
                for (JavaClass t : named) {
                    if (isImplementation(t)) {
                        events.add(SimpleConditionEvent.violated(member, member.getFullName() + " names "
                                + t.getName()));
                    }
                }
            }
        };
    }

    private static ArchCondition<JavaClass> haveOnlyApiSupertypes() {
        return new ArchCondition<>("extend or implement no type of the plugin's packages outside the API") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                Set<JavaClass> supertypes = new LinkedHashSet<>(c.getAllRawSuperclasses());
                supertypes.addAll(c.getAllRawInterfaces());
                c.getSuperclass().ifPresent(t -> supertypes.addAll(t.getAllInvolvedRawTypes()));
                c.getInterfaces().forEach(t -> supertypes.addAll(t.getAllInvolvedRawTypes()));
                for (JavaClass t : supertypes) {
                    if (isImplementation(t)) {
                        events.add(SimpleConditionEvent.violated(c, c.getName() + " extends or implements "
                                + t.getName()));
                    }
                }
            }
        };
    }

    /** Whether a type (an array's component type) is in the plugin's packages but not the API. */
    private static boolean isImplementation(JavaClass t) {
        JavaClass type = t.isArray() ? t.getBaseComponentType() : t;
        String p = type.getPackageName();
        return p.startsWith("dev.driftwatch.plugin") && !API.contains(p);
    }
}
