import type { IDataObject } from 'n8n-workflow';

/**
 * Generate's request body, built and checked without any n8n runtime, so that every check runs
 * BEFORE a request is made: Vlogme charges credits when a render is created.
 */

export const MAX_SCRIPT_LENGTH = 30_000;
export const EMOTION_PRESETS = ['calm', 'natural', 'expressive', 'sad'] as const;
/** Vlogme charges about one credit per second of output, at least 10; scripts run ~150 words a minute. */
export const MIN_CREDITS = 10;
const WORDS_PER_SECOND = 150 / 60;

export type PortraitSource = 'url' | 'binary';
export type SpeechSource = 'script' | 'audioUrl' | 'audioBinary';

export interface GenerateInput {
	portraitSource: PortraitSource;
	portraitUrl?: string;
	/** Base64 of the portrait binary, already read and type-checked by the caller. */
	portraitBase64?: string;
	speechSource: SpeechSource;
	script?: string;
	voiceId?: string;
	audioUrl?: string;
	audioBase64?: string;
	emotionPreset?: string;
	liveSubtitles?: boolean;
	title?: string;
	faceRestore?: number;
	watermarkText?: string;
	videoPrompt?: string;
	videoNegativePrompt?: string;
	webhookUrl?: string;
}

/** A problem with the user's input, naming the parameter (by its label in the node) that has it. */
export class GenerateInputError extends Error {
	constructor(
		readonly field: string,
		message: string,
		readonly hint?: string,
	) {
		super(message);
		this.name = 'GenerateInputError';
	}
}

export function isHttpUrl(value: string): boolean {
	try {
		const url = new URL(value);
		return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
	} catch {
		return false;
	}
}

function text(value: unknown): string {
	if (value === undefined || value === null) return '';
	return String(value).trim();
}

function requireUrl(field: string, value: unknown): string {
	const url = text(value);
	if (url === '') throw new GenerateInputError(field, `${field} is empty`);
	if (!isHttpUrl(url)) {
		throw new GenerateInputError(field, `${field} is not an http(s) URL: "${url.slice(0, 200)}"`, 'Use a full link such as https://example.com/file');
	}
	return url;
}

export function buildGenerateBody(input: GenerateInput): IDataObject {
	const body: IDataObject = {};

	if (input.portraitSource === 'url') {
		body.portrait_url = requireUrl('Portrait URL', input.portraitUrl);
	} else if (input.portraitSource === 'binary') {
		if (!input.portraitBase64) throw new GenerateInputError('Portrait Binary Property', 'The portrait binary data is empty');
		body.portrait_base64 = input.portraitBase64;
	} else {
		throw new GenerateInputError('Portrait Source', `Unknown portrait source "${String(input.portraitSource)}"`);
	}

	if (input.speechSource === 'script') {
		const script = typeof input.script === 'string' ? input.script : text(input.script);
		if (script.trim() === '') {
			throw new GenerateInputError('Script', 'The script is empty', 'Write the text to speak, or choose narration audio as the Speech source.');
		}
		if (script.length > MAX_SCRIPT_LENGTH) {
			throw new GenerateInputError(
				'Script',
				`The script is ${script.length.toLocaleString('en-US')} characters long; Vlogme accepts at most ${MAX_SCRIPT_LENGTH.toLocaleString('en-US')}`,
				'Shorten it or split it into several videos (scripts under about 150 words render fastest).',
			);
		}
		const voiceId = text(input.voiceId);
		if (voiceId === '') {
			throw new GenerateInputError('Voice', 'A script needs a voice', 'Pick a voice from the list, or use Voice → Get Many to see their IDs.');
		}
		body.script = script;
		body.voice_id = voiceId;
	} else if (input.speechSource === 'audioUrl') {
		body.audio_url = requireUrl('Audio URL', input.audioUrl);
	} else if (input.speechSource === 'audioBinary') {
		if (!input.audioBase64) throw new GenerateInputError('Audio Binary Property', 'The audio binary data is empty');
		body.audio_base64 = input.audioBase64;
	} else {
		throw new GenerateInputError('Speech Source', `Unknown speech source "${String(input.speechSource)}"`);
	}

	if (input.emotionPreset !== undefined && input.emotionPreset !== '') {
		if (!(EMOTION_PRESETS as readonly string[]).includes(input.emotionPreset)) {
			throw new GenerateInputError('Emotion Preset', `Unknown emotion preset "${input.emotionPreset}"; use one of ${EMOTION_PRESETS.join(', ')}`);
		}
		body.emotion_preset = input.emotionPreset;
	}
	if (input.liveSubtitles !== undefined) {
		if (typeof input.liveSubtitles !== 'boolean') {
			throw new GenerateInputError('Live Subtitles', 'Live Subtitles must be true or false');
		}
		body.live_subtitles = input.liveSubtitles;
	}

	// Empty (or blank, from an expression) means not set; anything else must be a number 0–1.
	if (input.faceRestore !== undefined && input.faceRestore !== null && String(input.faceRestore).trim() !== '') {
		const value = typeof input.faceRestore === 'boolean' ? Number.NaN : Number(input.faceRestore);
		if (!Number.isFinite(value) || value < 0 || value > 1) {
			throw new GenerateInputError('Face Restore', `Face Restore must be between 0 and 1, got ${String(input.faceRestore)}`);
		}
		body.face_restore = value;
	}
	if (text(input.webhookUrl) !== '') body.webhook_url = requireUrl('Webhook URL', input.webhookUrl);
	const optionalText: Array<[keyof GenerateInput, string]> = [
		['title', 'title'],
		['watermarkText', 'watermark_text'],
		['videoPrompt', 'video_prompt'],
		['videoNegativePrompt', 'video_negative_prompt'],
	];
	for (const [key, field] of optionalText) {
		const value = input[key];
		if (value !== undefined && value !== null && String(value) !== '') body[field] = String(value);
	}
	return body;
}

/** Credits a script render will cost, as Vlogme prices it; undefined for audio (length unknown here). */
export function estimateCredits(body: IDataObject): number | undefined {
	if (typeof body.script !== 'string') return undefined;
	const words = body.script.trim().split(/\s+/).filter(Boolean).length;
	return Math.max(MIN_CREDITS, Math.ceil(words / WORDS_PER_SECOND));
}
