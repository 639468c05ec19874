/**
 * Alerting (docs/alerting.md): rules on any stored metric, evaluated inside the ingest transaction
 * ({@link dev.driftwatch.monitor.alert.AlertEvaluator}); alert episodes pending → firing → resolved
 * with their history ({@link dev.driftwatch.monitor.alert.AlertQueryService}); rule CRUD for the API and
 * the UI ({@link dev.driftwatch.monitor.alert.AlertRuleService}). Notifications go through the outbox in
 * {@code alert.notify}; Prometheus gauges and counters live in {@code alert.metrics}. Forecast rules read
 * a run's drift forecast through the {@link dev.driftwatch.monitor.alert.DriftForecasts} port, which the
 * forgetting package implements (alerting does not depend on it).
 */
package dev.driftwatch.monitor.alert;
