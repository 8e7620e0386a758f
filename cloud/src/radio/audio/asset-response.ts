import type { Context } from 'hono';
import type { AudioAsset } from '@smart-commune/shared';
import { mediaResponse } from '../../http/media-response.js';
import type { AssetStore } from './asset-store.js';

/** An asset's audio as an HTTP reply from the media store, with Range (players seek, boxes resume downloads). */
export function assetResponse(c: Context, assets: AssetStore, asset: Pick<AudioAsset, 'sha256' | 'mime'>, headers: Record<string, string> = {}): Promise<Response> {
  return mediaResponse(c, assets.media, assets.keyOf(asset), asset.mime, headers);
}
