package dev.driftwatch.monitor.web;

import java.security.Principal;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/** Puts the logged-in user's name into every page's model, for the top bar. */
@ControllerAdvice(annotations = UiPage.class)
class CurrentUser {

    @ModelAttribute("currentUser")
    String currentUser(Principal principal) {
        return principal == null ? null : principal.getName();
    }
}
