// Every string the widget shows or names, in each language it speaks. A company picks one in
// its widget settings, or 'auto': the first of the browser's languages that is here, else English.

const STRINGS = {
  en: {
    open: 'Open chat',
    hide: 'Hide chat',
    close: 'Close chat',
    chat: 'Chat',
    log: 'Conversation',
    message: 'Message',
    placeholder: 'Type a message…',
    send: 'Send',
    online: 'Online',
    connecting: 'Connecting…',
    offline: 'Offline — reconnecting…',
    refused: 'We could not verify your sign-in, so chat is unavailable.',
    typing: 'Typing…',
    you: 'You',
    ai: 'AI assistant',
    agent: 'Agent',
    title: 'Chat with us',
    greeting: 'Hi! How can we help?',
    sending: 'Sending…',
    unread: (n) => (n === 1 ? '1 unread message' : n + ' unread messages'),
    intro: 'Before we start, please tell us who you are.',
    name: 'Name',
    email: 'Email',
    start: 'Start chat',
    badEmail: 'Enter an email address like name@example.com.',
    rateAsk: 'How was this conversation?',
    scores: ['1 of 5: Terrible', '2 of 5: Bad', '3 of 5: Okay', '4 of 5: Good', '5 of 5: Great'],
    comment: 'Comment (optional)',
    rateSend: 'Send rating',
    thanks: 'Thanks for your feedback!',
    resolved: 'This conversation was resolved.',
    attach: 'Attach a file',
    uploading: 'Uploading…',
    too_large: 'That file is too big (10 MB at most).',
    unsupported_type: 'That kind of file cannot be sent: try an image, a PDF or a document.',
    failed: 'The file could not be sent. Please try again.',
    download: 'Download',
    file: 'File',
  },
  es: {
    open: 'Abrir chat',
    hide: 'Ocultar chat',
    close: 'Cerrar chat',
    chat: 'Chat',
    log: 'Conversación',
    message: 'Mensaje',
    placeholder: 'Escribe un mensaje…',
    send: 'Enviar',
    online: 'En línea',
    connecting: 'Conectando…',
    offline: 'Sin conexión — reconectando…',
    refused: 'No pudimos verificar tu sesión, así que el chat no está disponible.',
    typing: 'Escribiendo…',
    you: 'Tú',
    ai: 'Asistente de IA',
    agent: 'Agente',
    title: 'Chatea con nosotros',
    greeting: '¡Hola! ¿En qué podemos ayudarte?',
    sending: 'Enviando…',
    unread: (n) => (n === 1 ? '1 mensaje sin leer' : n + ' mensajes sin leer'),
    intro: 'Antes de empezar, dinos quién eres.',
    name: 'Nombre',
    email: 'Correo electrónico',
    start: 'Empezar el chat',
    badEmail: 'Escribe un correo como nombre@ejemplo.com.',
    rateAsk: '¿Qué tal fue esta conversación?',
    scores: ['1 de 5: Pésima', '2 de 5: Mala', '3 de 5: Regular', '4 de 5: Buena', '5 de 5: Excelente'],
    comment: 'Comentario (opcional)',
    rateSend: 'Enviar valoración',
    thanks: '¡Gracias por tu opinión!',
    resolved: 'Esta conversación se ha resuelto.',
    attach: 'Adjuntar un archivo',
    uploading: 'Subiendo…',
    too_large: 'El archivo es demasiado grande (10 MB como máximo).',
    unsupported_type: 'Ese tipo de archivo no se puede enviar: prueba con una imagen, un PDF o un documento.',
    failed: 'No se pudo enviar el archivo. Inténtalo de nuevo.',
    download: 'Descargar',
    file: 'Archivo',
  },
};

/** The language code to use for a company's `language` setting. */
export function pickLanguage(setting) {
  if (STRINGS[setting]) return setting;
  for (const tag of navigator.languages || [navigator.language || '']) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (STRINGS[base]) return base;
  }
  return 'en';
}

export const strings = (lang) => STRINGS[lang] || STRINGS.en;
