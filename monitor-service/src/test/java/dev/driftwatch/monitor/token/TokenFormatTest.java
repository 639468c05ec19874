package dev.driftwatch.monitor.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** One token format: what {@code POST /tokens} issues and what the docs tell operators to make. */
class TokenFormatTest {

    /** The docs' recipe for a bootstrap token: {@code dw_} and 32 random bytes in URL-safe base64, unpadded. */
    static final String RECIPE = "dw_$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')";

    @Test
    void issuedTokensHaveTheFormat() {
        SecureRandom random = new SecureRandom();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String text = TokenService.newText(random);
            assertThat(text).matches(TokenService.FORMAT);
            seen.add(text);
        }
        assertThat(seen).hasSize(200);
    }

    @Test
    void theDocsMakeTokensOnlyInThatFormat() throws IOException {
        Path docs = Path.of("..", "docs");
        List<String> tokensShown = new ArrayList<>();
        try (Stream<Path> files = Files.walk(docs)) {
            for (Path md : files.filter(p -> p.toString().endsWith(".md")).toList()) {
                String text = Files.readString(md);
                assertThat(text).as(md.toString()).doesNotContain("openssl rand -hex");
                Matcher m = Pattern.compile("bootstrap\\.token=\"?([^\"\\s|`]+[^\"\\s`]*)").matcher(text);
                while (m.find()) {
                    tokensShown.add(md.getFileName() + ": " + m.group(1));
                }
            }
        }
        assertThat(tokensShown).isNotEmpty().allSatisfy(t -> assertThat(t).contains("dw_"));
        assertThat(Files.readString(docs.resolve("deploy.md"))).contains(RECIPE);
        // the recipe's output has the issued tokens' shape: 32 bytes are 43 unpadded base64 characters
        assertThat(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32])).hasSize(43);
    }
}
