package dev.minibatch.omegaml;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * One wire server and one long-lived omega|ml peer per test class, and a fresh database per test:
 * what the tests against the real omega|ml 0.18 share.
 */
abstract class OmegamlPeerTestBase {

    static TestServer server;
    static OmegaPython python;
    String url;

    @BeforeAll
    static void startServerAndPeer() {
        server = TestServer.start();
        python = OmegaPython.start(server.freshUrl());
    }

    @AfterAll
    static void stopServerAndPeer() {
        try {
            python.close();
        } finally {
            server.close();
        }
    }

    @BeforeEach
    void freshUrl() {
        url = server.freshUrl();
    }
}
