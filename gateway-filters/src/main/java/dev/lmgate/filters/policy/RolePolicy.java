package dev.lmgate.filters.policy;

import java.util.List;

/**
 * What one role may do. Everything not granted is denied.
 *
 * @param name the role
 * @param routes route-id globs the role may call ({@code openai-*}); model management needs {@link
 *     #modelManagement} besides
 * @param models model-id globs the role may use; an absent model is allowed only with {@code *}
 * @param maxTokens ceiling on requested output tokens (requests above, or without a limit, are
 *     capped to it); 0 for none
 * @param tools tool-name globs a request may declare; {@code null} for any
 * @param stream whether the role may ask for streamed answers
 * @param integrations whether native-chat {@code integrations} (plugins, ephemeral MCP servers) are
 *     allowed
 * @param modelManagement whether the role may load, unload and download models and open the SDK
 *     channel
 * @param requireMfa whether the caller must have authenticated with a second factor
 */
record RolePolicy(
    String name,
    List<Glob> routes,
    List<Glob> models,
    long maxTokens,
    List<Glob> tools,
    boolean stream,
    boolean integrations,
    boolean modelManagement,
    boolean requireMfa) {}
