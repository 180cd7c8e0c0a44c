// The "recording" of a chat, e-mail or WhatsApp conversation: a JSON transcript. Genesys documents
// no shape for these batch results (spec §7.3 only says JSON results exist for chat/email), so this one
// is the emulator's own: a list of messages, Spanish text, seeded by the recording id.
import { createRng, hash32 } from '../random.js';

const CUSTOMER = [
  'Hola, buenas tardes.',
  'Quisiera saber por qué mi recibo vino más alto este mes.',
  'Ya reinicié el equipo y sigue sin internet.',
  '¿Puedo cambiar mi plan sin penalidad?',
  'Mi DNI es el que está registrado en la cuenta.',
  'Gracias, eso era todo.',
];
const AGENT = [
  'Buenas tardes, gracias por comunicarse con nosotros. ¿En qué le puedo ayudar?',
  'Con gusto lo reviso. ¿Me confirma el número de su línea, por favor?',
  'Veo un cargo por reconexión; le explico el detalle.',
  'Listo, ya quedó registrado su pedido.',
  '¿Hay algo más en lo que le pueda ayudar?',
];

export function transcriptJson(
  seedHash: number,
  recording: {
    id: string;
    conversationId: string;
    media: 'chat' | 'email' | 'message';
    start: number;
    end: number;
  },
): Buffer {
  const rng = createRng(seedHash ^ hash32(`transcript:${recording.id}`));
  const count = recording.media === 'email' ? 2 : rng.int(4, 14);
  const step = Math.max(1, Math.floor((recording.end - recording.start) / count));
  const messages = Array.from({ length: count }, (_, i) => {
    const fromCustomer = i % 2 === 0;
    return {
      from: fromCustomer ? 'customer' : 'agent',
      timestamp: new Date(recording.start + i * step).toISOString(),
      body: fromCustomer ? rng.pick(CUSTOMER) : rng.pick(AGENT),
    };
  });
  const doc = {
    conversationId: recording.conversationId,
    recordingId: recording.id,
    media: recording.media,
    ...(recording.media === 'email' ? { subject: 'Consulta sobre mi cuenta' } : {}),
    messages,
  };
  return Buffer.from(JSON.stringify(doc), 'utf8');
}
