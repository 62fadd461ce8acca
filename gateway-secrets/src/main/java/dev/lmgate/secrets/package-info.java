/**
 * Secret references ({@code ${secret:env:NAME}}, {@code ${secret:file:PATH}}, and the secret
 * managers' schemes) and their providers, resolved once at start and refreshed in the background
 * ({@link dev.lmgate.secrets.Secrets}). Environment variables and files work today; the managers'
 * providers are the rest of the secrets issue.
 */
package dev.lmgate.secrets;
