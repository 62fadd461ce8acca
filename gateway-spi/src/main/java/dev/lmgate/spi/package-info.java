/**
 * The filter API of lmgate. Filters see immutable, Netty-free views of an exchange (route, headers,
 * parsed JSON, the normalized conversation) and answer with a {@link dev.lmgate.spi.Verdict}; the
 * core runs them, applies their edits to the original JSON and records what each one decided.
 *
 * <p>Sides are named as in the rest of the code base: client→gateway (the request as received),
 * gateway→upstream (what LM Studio receives), upstream→gateway, gateway→client.
 */
package dev.lmgate.spi;
