package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultEventExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wsging.config.WorkersConfig;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.RequestHead;

/** The real Python worker (python/src/wsging) behind the pool, with the smallest application. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RealWorkerTest {
    @TempDir
    Path tmp;

    static Path packagePath() {
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            Path src = d.resolve("python").resolve("src");
            if (Files.isRegularFile(src.resolve("wsging").resolve("worker").resolve("__main__.py"))) {
                return src;
            }
        }
        return null;
    }

    @Test
    void helloWorldThroughTheRealWorker() throws Exception {
        Path python = WorkerPoolTest.python();
        Path packagePath = packagePath();
        assumeTrue(python != null && packagePath != null, "needs python3 and python/src/wsging");
        Files.writeString(tmp.resolve("hello.py"),
                "from wsging import Response\ndef app(request): return Response(\"Hello, world!\")\n");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2,
                Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        DefaultEventExecutor frontEnd = new DefaultEventExecutor();
        WorkerPool pool = new WorkerPool(new WorkersConfig("hello:app", tmp, python, packagePath, 1, 4,
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(5), false), group);
        try {
            pool.start().get(30, TimeUnit.SECONDS);
            RecordingListener l = new RecordingListener();
            pool.open(new RequestHead(HttpVersion.HTTP_1_1, "http", "GET", "/", "", null, null, 0, 0,
                    List.of(), false, false), frontEnd, l);
            String response = l.next();
            assertTrue(response.startsWith("response 200 "), response);
            assertTrue(response.contains("text/plain; charset=utf-8"), response);
            StringBuilder body = new StringBuilder();
            for (String e = l.next(); ; e = l.next()) {
                assertTrue(e.startsWith("data "), e);
                body.append(e, 5, e.endsWith(" end") ? e.length() - 4 : e.length());
                if (e.endsWith(" end")) {
                    break;
                }
            }
            assertEquals("Hello, world!", body.toString());
        } finally {
            pool.shutdown(Duration.ofSeconds(2)).get(20, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            frontEnd.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
