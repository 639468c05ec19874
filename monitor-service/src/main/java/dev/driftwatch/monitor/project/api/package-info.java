/**
 * The projects' HTTP API: listing projects and changing their flagging settings. Kept apart from
 * {@code project} (the entity, its repository and settings service), which {@code token} and
 * {@code security} build on, so that the API's use of {@code security} makes no package cycle.
 */
package dev.driftwatch.monitor.project.api;
