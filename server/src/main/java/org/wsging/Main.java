package org.wsging;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ResourceLeakDetector;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.wsging.cli.Command;
import org.wsging.cli.CommandLineException;
import org.wsging.cli.CommandLineParser;
import org.wsging.config.BindAddress;
import org.wsging.config.ServerConfig;
import org.wsging.exchange.CeilingDispatcher;
import org.wsging.exchange.WorkerDispatcher;
import org.wsging.http1.AccessLogWriter;
import org.wsging.tls.ServerTls;
import org.wsging.tls.TlsSetupException;
import org.wsging.worker.WorkerPool;
import org.wsging.worker.WorkerStartupException;
import sun.misc.Signal;

/**
 * {@code wsging serve MODULE:ATTR [options]}. Exit status: 0 after a signal-initiated shutdown,
 * 2 for bad input (command line, port in use, workers that cannot start). Errors are one line on
 * standard error, never a stack trace.
 */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_USAGE = 2;

    private Main() {}

    public static void main(String[] args) {
        quietLeakDetection();
        int status;
        try {
            status = run(args, System.out, System.err);
        } catch (Throwable t) {
            // Last resort: still one line, no stack trace.
            System.err.println(ServerLogging.error(String.valueOf(t)));
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    /**
     * Netty samples buffer allocations for leak reports by default, recording a stack trace for
     * each sampled buffer: measurable on every request of a server. The tests keep the detector
     * (they do not start here); an operator can bring it back with -Dio.netty.leakDetection.level.
     */
    private static void quietLeakDetection() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        Command command;
        try {
            command = new CommandLineParser(System.getenv(), Path.of("").toAbsolutePath()).parse(args);
        } catch (CommandLineException e) {
            err.println(ServerLogging.error(e.getMessage()));
            return EXIT_USAGE;
        }
        if (command instanceof Command.Help help) {
            out.print(help.text());
            return EXIT_OK;
        }
        ServerConfig config = ((Command.Serve) command).config();
        ServerLogging.configure();
        OldGenerationGuard.install();
        return serve(config, err);
    }

    private static int serve(ServerConfig config, PrintStream err) throws InterruptedException {
        // Caught from the start: SIGTERM while the workers start must still be a clean shutdown,
        // not the JVM's default exit 143 that leaves the link directory behind.
        CountDownLatch stopSignal = catchStopSignals();
        ServerTls tls = null;
        if (config.tls() != null) {
            try {
                tls = ServerTls.create(config.tls(), config.http2().enabled()); // h2 by ALPN unless --no-http2
            } catch (TlsSetupException e) {
                err.println(ServerLogging.error(e.getMessage()));
                return EXIT_USAGE;
            }
            err.println(ServerLogging.line("TLS on the " + tls.engine()));
        }
        ServerTransport transport = ServerTransport.best();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(config.ioThreads(), transport.ioHandlerFactory());
        WorkerPool pool = config.ceiling() ? null : new WorkerPool(config.workers(), group);
        WorkerDispatcher dispatcher = pool != null ? pool : new CeilingDispatcher();
        Consumer<String> accessLog = config.logging().accessLog() ? AccessLogWriter.toStandardOutput() : null;
        Server server = new Server(config, transport, group, dispatcher, accessLog, tls);
        try {
            List<InetSocketAddress> bound;
            try {
                bound = server.bind();
            } catch (Server.BindFailure e) {
                err.println(ServerLogging.error(e.getMessage()));
                return EXIT_USAGE;
            }
            if (pool != null) {
                try {
                    pool.start().get();
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    String message = cause instanceof WorkerStartupException ? cause.getMessage()
                            : "workers could not start: " + cause;
                    err.println(ServerLogging.error(message));
                    server.shutdownGracefully(Duration.ZERO);
                    stop(pool, Duration.ofSeconds(2));
                    return EXIT_USAGE;
                }
            }
            String scheme = tls != null ? "https" : "http";
            String urls = bound.stream().map(a -> scheme + "://" + BindAddress.authority(a)).collect(Collectors.joining(", "));
            err.println(ServerLogging.line(pool != null
                    ? "serving " + config.workers().app() + " on " + urls + " with "
                            + config.workers().count() + (config.workers().count() == 1 ? " worker" : " workers")
                    : "serving " + config.workers().app() + " on " + urls
                            + " with 0 workers (--ceiling: every request answered from Java)"));

            stopSignal.await();
            err.println(ServerLogging.line("shutting down"));
            if (pool != null) {
                pool.stopRestarting();
            }
            Duration grace = config.workers().gracefulTimeout();
            long deadline = System.nanoTime() + grace.toNanos();
            server.shutdownGracefully(grace);
            if (pool != null) {
                Duration left = Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0));
                stop(pool, left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left);
            }
            return EXIT_OK;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private static void stop(WorkerPool pool, Duration grace) {
        try {
            pool.shutdown(grace).get(grace.toMillis() + 10_000, TimeUnit.MILLISECONDS); // exit, then SIGKILL: 7 s at most
        } catch (ExecutionException | TimeoutException e) {
            System.err.println(ServerLogging.line("workers did not stop cleanly: " + e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A latch that SIGTERM or SIGINT opens; a second signal ends the process at once. */
    private static CountDownLatch catchStopSignals() {
        CountDownLatch stop = new CountDownLatch(1);
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), s -> {
                if (stop.getCount() == 0) {
                    Runtime.getRuntime().halt(128 + s.getNumber());
                }
                stop.countDown();
            });
        }
        return stop;
    }
}
