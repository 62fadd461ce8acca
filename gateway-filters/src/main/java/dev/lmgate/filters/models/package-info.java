/** Model security: the global model allowlist and denylist, and the integrity of model files. */
package dev.lmgate.filters.models;
