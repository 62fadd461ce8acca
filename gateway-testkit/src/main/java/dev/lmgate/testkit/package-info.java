/** Test fixtures: the LM Studio simulator and JUnit extensions (leak check). */
package dev.lmgate.testkit;
