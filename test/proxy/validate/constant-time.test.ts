import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeEqual } from '../../../main/proxy/validate/constant-time';

test('equal strings match, different ones do not, whatever their lengths', () => {
  assert.equal(safeEqual('sk-ip-secret', 'sk-ip-secret'), true);
  assert.equal(safeEqual('', ''), true);
  assert.equal(safeEqual('sk-ip-secret', 'sk-ip-secreT'), false);
  assert.equal(safeEqual('sk-ip-secret', 'sk-ip-secret-longer'), false, 'a longer guess neither throws nor matches');
  assert.equal(safeEqual('a', ''), false);
  assert.equal(safeEqual('é', 'e\u0301'), false, 'compared as UTF-8 bytes, not normalised');
});
