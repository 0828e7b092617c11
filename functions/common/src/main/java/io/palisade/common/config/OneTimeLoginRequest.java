package io.palisade.common.config;

/** Optional execution input: give {@code user} a console password encrypted to {@code publicKey}. */
public record OneTimeLoginRequest(String user, String publicKey) {}
