package dev.driftwatch.monitor.web;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Marks a controller that renders HTML pages, so {@link UiErrors} answers its errors with a page. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface UiPage {}
