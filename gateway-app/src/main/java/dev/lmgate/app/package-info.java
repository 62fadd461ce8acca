/** lmgate's application: wiring, lifecycle and hot reload. */
package dev.lmgate.app;
