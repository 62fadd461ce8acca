/** The {@code lmgate} command line. */
package dev.lmgate.app.cli;
