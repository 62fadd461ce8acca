/** The route table: which LM Studio route a request targets and in which dialect. */
package dev.lmgate.core.route;
