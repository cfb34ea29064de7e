package org.wsging.http1;

import io.netty.channel.ChannelPipeline;
import org.wsging.config.Http1Config;

/** The request guards, in the order they check: first what the parser found, then limits, then meaning. */
public final class Http1Guards {
    private Http1Guards() {}

    public static void addTo(ChannelPipeline p, Http1Config.Limits limits) {
        p.addLast("decoder-failures", new DecoderFailureHandler());          // unparsable -> 400/414/431
        p.addLast("header-count", new HeaderCountLimitHandler(limits.maxHeaders())); // -> 431
        p.addLast("validation", new RequestValidationHandler());             // Host, framing, target -> 400
        p.addLast("body-size", new BodySizeLimitHandler(limits.maxBodySize())); // -> 413
        p.addLast("expectation", new ExpectationHandler());                   // unknown Expect -> 417
        p.addLast("websocket-offer", new WebSocketOfferGuard());              // malformed handshake -> 400/426
    }
}
