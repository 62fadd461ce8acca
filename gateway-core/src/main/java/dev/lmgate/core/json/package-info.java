/** JSON helpers shared by the core: one mapper, pointer edits. */
package dev.lmgate.core.json;
