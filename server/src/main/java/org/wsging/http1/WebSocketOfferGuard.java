package org.wsging.http1;

import io.netty.handler.codec.http.HttpRequest;
import org.wsging.websocket.HandshakeValidator;

/**
 * A malformed WebSocket offer (RFC 6455 section 4.2.1, spec 9.1) is answered here and never
 * reaches the application: 400, or 426 with {@code Sec-WebSocket-Version: 13}. A valid offer
 * and any request that is not an offer pass on.
 */
final class WebSocketOfferGuard extends RequestGuard {
    @Override
    protected RequestRejected checkHead(HttpRequest request) {
        HandshakeValidator.Refusal refusal = HandshakeValidator.check(request);
        if (refusal == null) {
            return null;
        }
        return RequestRejected.of(refusal.status(), refusal.detail(), request).withHeaders(refusal.headers());
    }
}
