package dev.driftwatch.monitor.edge;

import java.lang.reflect.Type;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.RequestBodyAdviceAdapter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Runs {@link StorableJson#check} on every {@code @RequestBody} right after it is read (before bean
 * validation and the controller), whatever type it is bound to: a tree is checked as is, a record
 * through its JSON form, so the field names in the answer are the wire names.
 */
@ControllerAdvice
class StorableBodyAdvice extends RequestBodyAdviceAdapter {

    private final ObjectMapper json;

    StorableBodyAdvice(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public boolean supports(MethodParameter parameter, Type targetType,
            Class<? extends HttpMessageConverter<?>> converterType) {
        return true;
    }

    @Override
    public Object afterBodyRead(Object body, HttpInputMessage inputMessage, MethodParameter parameter,
            Type targetType, Class<? extends HttpMessageConverter<?>> converterType) {
        if (body instanceof JsonNode tree) {
            StorableJson.check(tree);
        } else if (body instanceof CharSequence text) {
            StorableJson.check(json.getNodeFactory().stringNode(text.toString()));
        } else if (body != null) {
            StorableJson.check(json.valueToTree(body));
        }
        return body;
    }
}
