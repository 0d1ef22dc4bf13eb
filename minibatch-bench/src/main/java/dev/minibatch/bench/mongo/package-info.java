/**
 * The side-by-side MongoDB bench: the real Python minibatch 0.6 (driven by a small script of ours
 * in the test venv) and this project, through its public API, one after the other on one server —
 * the mongo-java-server emulator and FerretDB (real indexes) — with every database command counted
 * (a driver {@code CommandListener} here, pymongo's command monitoring there). Entry point:
 * {@link dev.minibatch.bench.mongo.MongoSideBySide}.
 */
package dev.minibatch.bench.mongo;
