import { describe, expect, inject, it, vi } from 'vitest';
import { otlpHeaders } from '../../worker/export/otlp';
import { chat, replayExpert } from './helpers';

// OTEL_EXPORTER_OTLP_HEADERS values are percent-decoded (the OTel spec's format); a token written
// with a bare `%` is not valid percent-encoding, and reading the var must not fail the requests
// whose routes the traces describe. (The loopback peer answers the traces 404: the sink's failure is
// logged and dropped, as any collector's.)

describe('OTEL_EXPORTER_OTLP_HEADERS', () => {
  it('a value that is not valid percent-encoding fails no request', async () => {
    await replayExpert('gemini-1.5-pro-002');
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const res = await chat(
      { model: 'gemini-1.5-pro-002' },
      { env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${inject('peerUrl')}/v1/traces`, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer 100%' } },
    );
    const lines = error.mock.calls.map(([line]) => String(line)).join('\n');
    error.mockRestore();
    expect(res.status).toBe(200);
    expect(lines).toContain('config_invalid');
    expect(lines).toContain("OTEL_EXPORTER_OTLP_HEADERS: the value of 'authorization'");
    expect(lines).not.toContain('Bearer 100%');
    expect(otlpHeaders('authorization=Bearer 100%')).toEqual({ authorization: 'Bearer 100%' });
  });

  it('decodes percent-encoded values', () => {
    expect(otlpHeaders('authorization=Bearer%20t, x-team = a')).toEqual({ authorization: 'Bearer t', 'x-team': 'a' });
  });
});
