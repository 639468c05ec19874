package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.problem.ApiProblem;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.ModelAndView;

/**
 * Errors of the UI's pages as an HTML error page (the API's handler answers problem+json). Only the
 * page controllers are advised; the JSON endpoints of the UI keep the problem answers.
 */
@ControllerAdvice(annotations = UiPage.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class UiErrors {

    @ExceptionHandler(ApiProblem.class)
    ModelAndView problem(ApiProblem e) {
        return page(e.getStatus(), e.getMessage());
    }

    @ExceptionHandler(ResponseStatusException.class)
    ModelAndView status(ResponseStatusException e) {
        return page(HttpStatus.valueOf(e.getStatusCode().value()), e.getReason());
    }

    /**
     * The error page.
     *
     * @param status the status to answer
     * @param message what went wrong, for the user
     * @return the page
     */
    static ModelAndView page(HttpStatus status, String message) {
        ModelAndView mav = new ModelAndView("error");
        mav.setStatus(status);
        mav.addObject("status", status.value());
        mav.addObject("message", message);
        return mav;
    }
}
