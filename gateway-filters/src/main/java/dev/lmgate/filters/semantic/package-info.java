/**
 * Semantic checks of answers: similarity to harmful exemplars and to a route's allowed topics, over
 * a built-in hashed embedder or an OpenAI-compatible embeddings endpoint.
 */
package dev.lmgate.filters.semantic;
