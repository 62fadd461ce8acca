package dev.lmgate.core.proxy;

/**
 * Names of every pipeline handler, in one place.
 *
 * <pre>
 * client ─▶ server pipeline (one per client connection, auto-read off)
 *   {@value #DECODER}      HttpRequestDecoder: strict RFC 9112 framing (CL+TE, bad chunks ⇒ failed result)
 *   {@value #ENCODER}      HttpResponseEncoder
 *   {@value #AGGREGATOR}   RequestBodyAggregator: whole request body up to the limit, else 413
 *   {@value #PROXY}        ProxyHandler: route, filters, upstream, relay (gateway→client); queues
 *                          pipelined requests and reads the next one only when an exchange is done
 *
 * upstream pipeline (pooled, on the client connection's event loop, auto-read off)
 *   {@value #CLIENT_CODEC} HttpClientCodec
 *   {@value #IDLE}         IdleStateHandler: evicts idle pooled connections before LM Studio's 5 s keep-alive
 *   {@value #UPSTREAM}     UpstreamHandler: hands upstream→gateway messages to the current exchange
 * </pre>
 */
public final class Pipelines {
  public static final String DECODER = "http-decoder";
  public static final String ENCODER = "http-encoder";
  public static final String AGGREGATOR = "request-aggregator";
  public static final String PROXY = "proxy";
  public static final String CLIENT_CODEC = "upstream-codec";
  public static final String IDLE = "upstream-idle";
  public static final String UPSTREAM = "upstream";

  private Pipelines() {}
}
