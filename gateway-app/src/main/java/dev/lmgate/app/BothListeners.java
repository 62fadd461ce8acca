package dev.lmgate.app;

import dev.lmgate.spi.ExchangeListener;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.SecurityEvent;
import java.util.concurrent.CompletionStage;

/** The audit trail first (its stage decides when the answer goes out), then another listener. */
final class BothListeners implements ExchangeListener {
  private final ExchangeListener audit;
  private final ExchangeListener other;

  BothListeners(ExchangeListener audit, ExchangeListener other) {
    this.audit = audit;
    this.other = other;
  }

  @Override
  public void onExchange(ExchangeSummary summary) {
    record(summary);
  }

  @Override
  public CompletionStage<Void> record(ExchangeSummary summary) {
    CompletionStage<Void> s = audit.record(summary);
    other.record(summary);
    return s;
  }

  @Override
  public boolean capturesPayloads() {
    return audit.capturesPayloads() || other.capturesPayloads();
  }

  @Override
  public boolean capturesAnswer(dev.lmgate.spi.RequestView request) {
    return audit.capturesAnswer(request) || other.capturesAnswer(request);
  }

  @Override
  public boolean holdsAnswers() {
    return audit.holdsAnswers() || other.holdsAnswers();
  }

  @Override
  public boolean refusesRequests() {
    return audit.refusesRequests() || other.refusesRequests();
  }

  @Override
  public void onSecurityEvent(SecurityEvent event) {
    audit.onSecurityEvent(event);
    other.onSecurityEvent(event);
  }
}
