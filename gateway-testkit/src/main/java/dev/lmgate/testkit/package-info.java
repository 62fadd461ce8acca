/** What tests share: JUnit extensions (leak check), test certificates, waiting helpers. */
package dev.lmgate.testkit;
