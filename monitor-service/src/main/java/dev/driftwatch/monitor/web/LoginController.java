package dev.driftwatch.monitor.web;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;

/** The login form; Spring Security handles its POST. */
@Controller
@UiPage
class LoginController {

    @GetMapping("/login")
    String login() {
        return "login";
    }

    /**
     * Where a signed-in user's form post with a stale security (CSRF) token is sent (the session changed while the
     * form was open, e.g. a login in another tab): a 403 page that says what happened, not a bare "Forbidden".
     *
     * @return the error page
     */
    @RequestMapping(dev.driftwatch.monitor.security.SecurityConfig.FORM_EXPIRED)
    org.springframework.web.servlet.ModelAndView formExpired() {
        return UiErrors.page(org.springframework.http.HttpStatus.FORBIDDEN, "This form was sent with an expired"
                + " security token (the session changed while the form was open), so nothing was saved: go back,"
                + " reload the page and send the form again.");
    }
}
