package dev.driftwatch.monitor.ingest;

import dev.driftwatch.contract.TokenDrift;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Reads a top example's {@code tokens} (per-token drift of a sequence probe) and checks it: at most
 * {@value #MAX_TOKENS} tokens of 1-{@value #MAX_TOKEN_LENGTH} characters, one KL per token (a finite
 * number >= 0, or null where not scored), at most {@value #MAX_WORST} worst positions pointing at a
 * scored token, at most {@value #MAX_CHOICES} candidates per side with probabilities in [0, 1] (the
 * base's may be null: unknown under a top-k base).
 */
final class TokenDriftParser {

    static final int MAX_TOKENS = 4096;
    static final int MAX_TOKEN_LENGTH = 256;
    static final int MAX_WORST = 16;
    static final int MAX_CHOICES = 32;

    private TokenDriftParser() {}

    /**
     * Parses the object, recording problems in {@code f}.
     *
     * @param f the problem collector
     * @param n the {@code tokens} object
     * @param p its path
     * @return the token drift, or null when it has problems
     */
    static TokenDrift parse(JsonFields f, JsonNode n, String p) {
        if (!f.requireObject(n, p)) {
            return null;
        }
        int before = f.problems().size();
        JsonNode tokensNode = f.array(n, p, "tokens");
        JsonNode klNode = f.array(n, p, "kl");
        JsonNode worstNode = f.array(n, p, "worst");
        if (tokensNode == null || klNode == null) {
            f.problem(JsonFields.path(p, tokensNode == null ? "tokens" : "kl"), "is required");
            return null;
        }
        if (tokensNode.size() < 1 || tokensNode.size() > MAX_TOKENS) {
            f.problem(JsonFields.path(p, "tokens"), "must hold 1 to " + MAX_TOKENS + " tokens");
            return null;
        }
        if (klNode.size() != tokensNode.size()) {
            f.problem(JsonFields.path(p, "kl"), "must hold one value per token (" + tokensNode.size() + ")");
            return null;
        }
        List<String> tokens = new ArrayList<>();
        List<Double> kl = new ArrayList<>();
        for (int i = 0; i < tokensNode.size(); i++) {
            JsonNode t = tokensNode.get(i);
            String tp = JsonFields.path(p, "tokens") + "[" + i + "]";
            if (!t.isString() || t.stringValue().isEmpty() || t.stringValue().length() > MAX_TOKEN_LENGTH
                    || t.stringValue().indexOf('\u0000') >= 0) {
                f.problem(tp, "must be a string of 1 to " + MAX_TOKEN_LENGTH + " characters (no NUL)");
            } else {
                tokens.add(t.stringValue());
            }
            JsonNode k = klNode.get(i);
            String kp = JsonFields.path(p, "kl") + "[" + i + "]";
            if (k.isNull()) {
                kl.add(null);
            } else {
                Double v = f.finite(k, kp);
                if (v != null && v < 0) {
                    f.problem(kp, "must be a finite number >= 0 or null");
                }
                kl.add(v);
            }
        }
        List<TokenDrift.Position> worst = new ArrayList<>();
        int count = worstNode == null ? 0 : worstNode.size();
        if (count > MAX_WORST) {
            f.problem(JsonFields.path(p, "worst"), "must hold at most " + MAX_WORST + " positions");
            return null;
        }
        for (int w = 0; w < count; w++) {
            JsonNode pos = worstNode.get(w);
            String wp = JsonFields.path(p, "worst") + "[" + w + "]";
            if (!f.requireObject(pos, wp)) {
                continue;
            }
            Long index = f.integer(pos, wp, "index", true, 0, tokensNode.size() - 1);
            Double value = f.number(pos, wp, "kl", true);
            if (index != null && (kl.size() <= index || kl.get(index.intValue()) == null)) {
                f.problem(JsonFields.path(wp, "index"), "must point at a scored token");
            }
            if (value != null && value < 0) {
                f.problem(JsonFields.path(wp, "kl"), "must be a finite number >= 0");
            }
            List<TokenDrift.Choice> base = choices(f, pos, wp, "base");
            List<TokenDrift.Choice> fineTuned = choices(f, pos, wp, "fineTuned");
            if (index != null && value != null) {
                worst.add(new TokenDrift.Position(index.intValue(), value, base, fineTuned));
            }
        }
        return f.problems().size() == before ? new TokenDrift(tokens, kl, worst) : null;
    }

    private static List<TokenDrift.Choice> choices(JsonFields f, JsonNode pos, String wp, String field) {
        List<TokenDrift.Choice> out = new ArrayList<>();
        JsonNode array = f.array(pos, wp, field);
        if (array == null) {
            return out;
        }
        if (array.size() > MAX_CHOICES) {
            f.problem(JsonFields.path(wp, field), "must hold at most " + MAX_CHOICES + " tokens");
            return out;
        }
        for (int c = 0; c < array.size(); c++) {
            JsonNode choice = array.get(c);
            String cp = JsonFields.path(wp, field) + "[" + c + "]";
            if (!f.requireObject(choice, cp)) {
                continue;
            }
            String token = f.string(choice, cp, "token", true, 1, MAX_TOKEN_LENGTH);
            Double base = probability(f, choice, cp, "base", false);
            Double fineTuned = probability(f, choice, cp, "fineTuned", true);
            if (token != null && fineTuned != null) {
                out.add(new TokenDrift.Choice(token, base == null ? Double.NaN : base, fineTuned));
            }
        }
        return out;
    }

    private static Double probability(JsonFields f, JsonNode o, String p, String field, boolean required) {
        Double v = f.number(o, p, field, required);
        if (v != null && (v < 0 || v > 1 + 1e-9)) {
            f.problem(JsonFields.path(p, field), "must be a probability in [0, 1]");
            return null;
        }
        return v;
    }
}
