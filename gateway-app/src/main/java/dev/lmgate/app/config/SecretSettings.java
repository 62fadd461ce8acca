package dev.lmgate.app.config;

import java.net.URI;
import java.time.Duration;

/**
 * The {@code secrets:} section.
 *
 * @param refresh how often every resolved secret is re-read
 * @param awsRegion AWS region for {@code aws-sm:} references, or {@code null} for the SDK's chain
 * @param awsEndpoint endpoint override for Secrets Manager (VPC endpoint, emulator), or {@code
 *     null}
 */
public record SecretSettings(Duration refresh, String awsRegion, URI awsEndpoint) {}
