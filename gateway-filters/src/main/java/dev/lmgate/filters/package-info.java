/** lmgate's built-in filters, one package per concern, and their static registry. */
package dev.lmgate.filters;
