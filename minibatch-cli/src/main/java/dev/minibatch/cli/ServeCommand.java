package dev.minibatch.cli;

import dev.minibatch.Minibatch;
import dev.minibatch.cli.status.MetricsExporter;
import dev.minibatch.cli.status.StatusSampler;
import dev.minibatch.cli.status.StatusServer;
import dev.minibatch.cli.table.TableEndpoints;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code minibatch serve}: the status web app until Ctrl-C. See {@link StatusServer} for the
 * endpoints and {@link StatusSampler} for what the numbers mean.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve the live status dashboard and /status JSON.",
            "GET / is the dashboard, GET /status and GET /history the JSON behind it: streams with pending/claimed/dead counts and rates, consumers with their last heartbeat. GET /metrics: the streams' gauges and running consumers in Prometheus text format. GET /tables lists the tables, GET /tables/NAME?after=KEY&limit=N pages through one (next: the after of the next page), GET /tables/NAME/KEY is one entry (404 if missing). Runs until Ctrl-C."})
final class ServeCommand extends BaseCommand {

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "Address to listen on (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 for all).")
    String bind;

    @Option(names = {"-p", "--port"}, defaultValue = "8765", paramLabel = "PORT",
            description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:MINIBATCH_TOKEN}",
            description = "Require this token for /status, /history, /metrics and /tables (Authorization: Bearer TOKEN or ?token=TOKEN). "
                    + "Default: $MINIBATCH_TOKEN, which keeps it out of the process list.")
    String token;

    @Option(names = "--sample", defaultValue = "1s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How often the store is sampled (default ${DEFAULT-VALUE}).")
    Duration sample;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw CliException.usage("--port must be 0..65535, was " + port);
        }
        if (sample.toMillis() < 100) {
            throw CliException.usage("--sample must be at least 100ms, was " + sample);
        }
        Minibatch mb = connect(false);
        StatusSampler sampler = new StatusSampler(mb, sample, 300, Clock.systemUTC()).start();
        MetricsExporter metrics = new MetricsExporter(mb, sample);
        StatusServer server;
        try {
            server = StatusServer.start(sampler, metrics, new TableEndpoints(mb), bind, port, token);
        } catch (BindException e) {
            metrics.close();
            sampler.close();
            mb.close();
            throw CliException.failure("cannot listen on " + bind + ":" + port + ": " + e.getMessage()
                    + "; choose another --port (0 picks a free one)", e);
        } catch (IOException e) {
            metrics.close();
            sampler.close();
            mb.close();
            throw CliException.failure("cannot listen on " + bind + ":" + port + ": " + e, e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            metrics.close();
            sampler.close();
            mb.close();
            stopped.countDown();
        }, "minibatch-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out().println("minibatch status for " + describeStore(mb) + " at " + server.uri()
                + (token == null || token.isEmpty() ? "" : " (token required: open " + server.uri() + "?token=…)")
                + " — Ctrl-C stops");
        out().flush();
        if (!InetAddress.getByName(bind).isLoopbackAddress() && (token == null || token.isEmpty())) {
            err().println("warning: listening on " + bind + " without --token: anyone who can reach this port sees "
                    + "stream names and counts, and table contents");
        }
        stopped.await();
        return Main.OK;
    }
}
