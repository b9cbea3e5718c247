import type { IDataObject } from 'n8n-workflow';

/**
 * After a create whose outcome is unknown (the connection broke after sending), which listed
 * renders could be the one this request made? Pure, unit-tested.
 *
 * A candidate was created after the request started (allowing for clock skew), is not already the
 * result of another item of this run, and agrees with every request field the listed video also
 * shows (voice, title, script, portrait or audio URL, emotion, subtitles, …), including at least
 * one specific field (script, audio or portrait URL, title, …). Base64 assets are not shown by the
 * API, so they cannot be compared.
 */
export const CLOCK_SKEW_MS = 30_000;

/** Fields specific enough to tell one request from another (voice or emotion alone are not). */
const DISTINGUISHING_FIELDS = ['script', 'audio_url', 'portrait_url', 'title', 'watermark_text', 'video_prompt'];

function sameValue(sent: unknown, shown: unknown): boolean {
	if (typeof sent === 'number' || typeof shown === 'number') return Number(sent) === Number(shown);
	return sent === shown;
}

export function findCandidates(
	body: IDataObject,
	videos: IDataObject[],
	startedAtMs: number,
	claimed: ReadonlySet<string>,
): IDataObject[] {
	return videos.filter((video) => {
		const id = String(video.id ?? '');
		if (id === '' || claimed.has(id)) return false;
		const created = typeof video.created_at === 'string' ? Date.parse(video.created_at) : Number.NaN;
		if (!Number.isNaN(created) && created < startedAtMs - CLOCK_SKEW_MS) return false;
		let distinguished = false;
		for (const [field, sent] of Object.entries(body)) {
			if (field.endsWith('_base64') || !(field in video) || video[field] === null || video[field] === undefined) continue;
			if (!sameValue(sent, video[field])) return false;
			if (DISTINGUISHING_FIELDS.includes(field)) distinguished = true;
		}
		// Without one specific field in common, any recent render would match: too risky to claim.
		return distinguished;
	});
}
