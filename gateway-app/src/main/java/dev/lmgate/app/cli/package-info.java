/**
 * The {@code lmgate} command line. Commands print their results to standard output and problems to
 * standard error on purpose: that is a command's interface (scripts read it), not logging. Nothing
 * secret is printed except a newly created API key, once, to the operator who made it.
 */
package dev.lmgate.app.cli;
