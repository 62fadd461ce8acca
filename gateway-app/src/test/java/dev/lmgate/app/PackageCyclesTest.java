package dev.lmgate.app;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * No package of lmgate's main code depends, through any chain, on a package that depends on it:
 * each package can be read, tested and changed with only what it uses below it.
 */
class PackageCyclesTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.lmgate");

  @Test
  void packagesAreFreeOfCycles() {
    slices().matching("dev.lmgate.(**)").should().beFreeOfCycles().check(MAIN);
  }
}
