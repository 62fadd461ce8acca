/**
 * Secret references ({@code ${secret:env:NAME}}, {@code file:}, {@code aws-sm:}, {@code vault:}
 * ...) and their providers (the secrets issue). Not built yet: the config loader leaves {@code
 * ${secret:...}} untouched for now.
 */
package dev.lmgate.secrets;
