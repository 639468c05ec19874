package dev.driftwatch.monitor.web;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/** The login form; Spring Security handles its POST. */
@Controller
@UiPage
class LoginController {

    @GetMapping("/login")
    String login() {
        return "login";
    }
}
