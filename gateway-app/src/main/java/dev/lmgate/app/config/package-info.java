/** The YAML config: interpolation, typed binding and validation with precise messages. */
package dev.lmgate.app.config;
