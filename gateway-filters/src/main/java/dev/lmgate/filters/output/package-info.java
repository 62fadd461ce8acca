/** Output rules: regular expressions over what the model says, streamed or not. */
package dev.lmgate.filters.output;
