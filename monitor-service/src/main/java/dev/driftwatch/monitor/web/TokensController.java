package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.security.ProjectAccess;
import dev.driftwatch.monitor.token.ApiTokenRepository;
import dev.driftwatch.monitor.token.TokenService;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** A project's API tokens: list, create (the text is shown once) and revoke. */
@Controller
@UiPage
@RequestMapping("/projects/{project}/tokens")
class TokensController {

    private final ProjectAccess access;
    private final TokenService tokenService;
    private final ApiTokenRepository tokens;

    TokensController(ProjectAccess access, TokenService tokenService, ApiTokenRepository tokens) {
        this.access = access;
        this.tokenService = tokenService;
        this.tokens = tokens;
    }

    @GetMapping
    String list(@PathVariable String project, Model model) {
        Project p = access.require(project);
        model.addAttribute("project", p);
        model.addAttribute("tokens", tokens.findByProjectIdOrderByCreatedAtDesc(p.getId()));
        return "tokens";
    }

    @PostMapping
    String create(@PathVariable String project, @RequestParam String name,
            @RequestParam(defaultValue = "false") boolean channels, RedirectAttributes redirect, Model model,
            HttpServletResponse response) {
        Project p = access.require(project);
        String trimmed = name.strip();
        if (trimmed.isEmpty() || trimmed.length() > 200) {
            // the list again with the name as sent and what was wrong: a 400 (no token was issued)
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            model.addAttribute("error", "A token name has 1 to 200 characters.");
            model.addAttribute("sentName", name);
            return list(project, model);
        }
        TokenService.IssuedToken issued = tokenService.issue(p, trimmed, channels);
        // a flash attribute lives for exactly the next request: the text is shown once, never stored
        redirect.addFlashAttribute("issued", issued.token());
        redirect.addFlashAttribute("issuedName", trimmed);
        return "redirect:/projects/" + p.getKey() + "/tokens";
    }

    @PostMapping("/{id}/revoke")
    String revoke(@PathVariable String project, @PathVariable long id) {
        Project p = access.require(project);
        if (!tokenService.revoke(p, id)) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no such token");
        }
        return "redirect:/projects/" + p.getKey() + "/tokens";
    }
}
