/**
 * Forgetting (docs/forgetting.md): what drift means for the user's model. Pure cores:
 * {@link dev.driftwatch.monitor.forgetting.LinearFit} (least squares with R², its interval and prediction
 * intervals), {@link dev.driftwatch.monitor.forgetting.PowerLawForecast} (a run's drift at its planned final
 * step from its early trajectory) and {@link dev.driftwatch.monitor.forgetting.CheckpointRecommender} (best
 * task loss within a drift budget, Pareto front); the service around them reads comparable runs'
 * checkpoints and serves the results to the API and the UI.
 */
package dev.driftwatch.monitor.forgetting;
