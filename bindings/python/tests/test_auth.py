# Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
"""Wallet sign-in and playback tokens. Signatures come from real wallets (ethers v6 and the siwe
package through tests/support/auth/wallet_signer.js); the Ethereum key is the EIP-712 "Ether
Mail" test vector's (keccak256("cow")), whose address protocols.md gives."""

import json

import pytest

import streamgate
from conftest import run_wallet

COW_KEY = "0xc85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4"
COW_ADDRESS = "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"
SOLANA_SEED = "11" * 32
DOMAIN, URI = "app.example:8443", "https://app.example:8443/login"


@pytest.fixture
def auth():
    return streamgate.Authenticator(domain=DOMAIN, uri=URI, allowed_chain_ids=[1, 1337],
                                    jwt_keys="main:" + "QUFB" * 11)


def siwe_fields(challenge, **changes):
    fields = {"domain": DOMAIN, "uri": URI, "chainId": int(challenge.chain),
              "nonce": challenge.nonce, "issuedAt": challenge.issued_at,
              "address": challenge.address, "statement": "Sign in"}
    fields.update(changes)
    return fields


def test_siwe_sign_in_with_the_test_vector_key(auth):
    challenge = auth.issue_challenge(COW_ADDRESS.lower())
    assert challenge.address == COW_ADDRESS  # EIP-55 normalised
    assert challenge.scheme_hint == "siwe" and challenge.chain == "1"
    assert DOMAIN + " wants you to sign in with your Ethereum account:" in challenge.message
    signed = run_wallet({"op": "siwe", "key": COW_KEY, "fields": siwe_fields(challenge)})
    assert signed["address"] == COW_ADDRESS

    session = auth.verify(scheme="siwe", address=signed["address"], message=signed["message"],
                          signature=signed["signature"])
    assert session.claims.sub == COW_ADDRESS and session.claims.scheme == "siwe"
    assert session.claims.chain == "1" and session.claims.exp > session.claims.iat
    claims = auth.verify_session_token(session.token)
    assert claims.jti == session.claims.jti
    assert auth.verify_bearer("Bearer " + session.token).sub == COW_ADDRESS

    # The nonce is single use.
    with pytest.raises(streamgate.UnauthenticatedError):
        auth.verify(scheme="siwe", address=signed["address"], message=signed["message"],
                    signature=signed["signature"])
    with pytest.raises(streamgate.UnauthenticatedError) as info:
        auth.verify_session_token(session.token[:-4] + "AAAA")
    assert info.value.message


def test_siwe_for_another_domain_is_refused(auth):
    challenge = auth.issue_challenge(COW_ADDRESS)
    signed = run_wallet({"op": "siwe", "key": COW_KEY,
                         "fields": siwe_fields(challenge, domain="evil.example")})
    with pytest.raises(streamgate.UnauthenticatedError) as info:
        auth.verify(scheme="siwe", address=signed["address"], message=signed["message"],
                    signature=signed["signature"])
    assert info.value.code == streamgate.StatusCode.UNAUTHENTICATED
    assert "domain" in info.value.message


def test_eip191_eip712_and_solana(auth):
    first = auth.issue_challenge(COW_ADDRESS)
    second = auth.issue_challenge(COW_ADDRESS, "1337")
    signed = run_wallet([
        {"op": "personal", "key": COW_KEY, "message": first.message},
        {"op": "typed", "key": COW_KEY, "typed_data": json.loads(second.typed_data)},
        {"op": "solana", "seed": SOLANA_SEED, "message": "probe"},
    ])
    session = auth.verify(scheme="eip191", address=COW_ADDRESS, message=first.message,
                          signature=signed[0]["signature"])
    assert session.claims.scheme == "eip191"
    session = auth.verify(scheme="eip712", address=COW_ADDRESS, message=second.typed_data,
                          signature=signed[1]["signature"])
    assert session.claims.chain == "1337" and session.claims.scheme == "eip712"

    solana_address = signed[2]["address"]
    challenge = auth.issue_challenge(solana_address)
    assert challenge.chain == "solana"
    signed = run_wallet({"op": "solana", "seed": SOLANA_SEED, "message": challenge.message})
    session = auth.verify(scheme="solana", address=solana_address, message=challenge.message,
                          signature=signed["signature"])
    assert session.claims.sub == solana_address


def test_bad_input_raises_invalid_argument(auth):
    with pytest.raises(streamgate.InvalidArgumentError):
        auth.issue_challenge("0x1234")
    with pytest.raises(streamgate.InvalidArgumentError):
        auth.issue_challenge(COW_ADDRESS, "999")
    with pytest.raises(streamgate.InvalidArgumentError):
        streamgate.Authenticator(domain="")


def test_injected_clock_expires_sessions():
    now = [1_700_000_000.0]
    auth = streamgate.Authenticator(domain=DOMAIN, uri=URI, session_ttl_s=60,
                                    jwt_keys="main:" + "QUFB" * 11, clock=lambda: now[0])
    challenge = auth.issue_challenge(COW_ADDRESS)
    assert challenge.expires_at == 1_700_000_000 + 300
    signed = run_wallet({"op": "personal", "key": COW_KEY, "message": challenge.message})
    session = auth.verify(scheme="eip191", address=COW_ADDRESS, message=challenge.message,
                          signature=signed["signature"])
    assert session.claims.iat == 1_700_000_000
    now[0] += 3600
    with pytest.raises(streamgate.UnauthenticatedError):
        auth.verify_session_token(session.token)


def test_playback_tokens():
    signer = streamgate.PlaybackTokenSigner([("k1", b"s" * 32)], max_ttl_seconds=600)
    grant = streamgate.PlaybackGrant(content_id="abc", wallet=COW_ADDRESS,
                                     path_prefix="/stream/abc/", expires_unix=1_000_300)
    token = signer.mint(grant, now=1_000_000)
    assert token.startswith("pt1.")
    back = signer.verify(token, content_id="abc", request_path="/stream/abc/720p/seg_00001.m4s",
                         now=1_000_100)
    assert back.to_dict() == grant.to_dict()
    with pytest.raises(streamgate.PermissionDeniedError):
        signer.verify(token, content_id="other", request_path="/stream/other/x", now=1_000_100)
    with pytest.raises(streamgate.UnauthenticatedError):
        signer.verify(token, content_id="abc", request_path="/stream/abc/x", now=1_000_400)
    with pytest.raises(streamgate.UnauthenticatedError):
        signer.verify(token[:-2] + "xx", content_id="abc", request_path="/stream/abc/x",
                      now=1_000_100)
    with pytest.raises(streamgate.InvalidArgumentError):
        signer.mint(grant, now=0)  # beyond max_ttl
    with pytest.raises(streamgate.InvalidArgumentError):
        streamgate.PlaybackTokenSigner([("k1", b"short")])
