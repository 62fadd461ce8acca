/** The operations surface: metrics and the admin port (health, readiness, Prometheus). */
package dev.lmgate.core.admin;
