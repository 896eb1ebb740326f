package sticky

// catalogue holds every sentence sticky shows a person, by id, in English,
// German, French and Spanish (the order of builtinLanguages).
//
// A new sentence gets an id here, in every language (TestCatalogueComplete),
// a row in docs/languages.md (TestLanguagesDocListsIDs), and the code names
// it by its id: fail(ErrX, "area.what", "name", value), refuse(status, id),
// RefuseWith in other packages (TestNoSentenceBypassesCatalogue). A new
// sentence of the client script goes into client/src/defaults.js's
// messages, here as "client." + its name, and in docs/client.md's table.
//
// Placeholders are in braces; see message for their values. Texts are
// plain words: formal address, "Datei"/"hochladen", "fichier"/"envoyer",
// "archivo"/"subir", sizes in KiB and MiB. The ids are stable: apps
// override texts by id (Config.Messages), and docs/languages.md lists them.
var catalogue = map[string][4]string{
	// Who may upload.
	"auth.sign_in": {
		"Please sign in to upload files.",
		"Bitte melden Sie sich an, um Dateien hochzuladen.",
		"Veuillez vous connecter pour envoyer des fichiers.",
		"Inicie sesión para subir archivos.",
	},
	"auth.cross_origin": {
		"Uploads from another site are not accepted.",
		"Dateien von einer anderen Website werden nicht angenommen.",
		"Les envois depuis un autre site ne sont pas acceptés.",
		"No se aceptan subidas desde otro sitio.",
	},
	"auth.not_allowed": {
		"This upload is not allowed.",
		"Diese Datei darf nicht hochgeladen werden.",
		"Cet envoi n'est pas autorisé.",
		"Esta subida no está permitida.",
	},

	// The upload request.
	"upload.post": {
		"Send uploads with POST.",
		"Senden Sie Dateien mit POST.",
		"Envoyez les fichiers avec POST.",
		"Envíe las subidas con POST.",
	},
	"upload.not_multipart": {
		"Send the file as multipart/form-data.",
		"Senden Sie die Datei als multipart/form-data.",
		"Envoyez le fichier en multipart/form-data.",
		"Envíe el archivo como multipart/form-data.",
	},
	"upload.choose": {
		"Choose a file to upload.",
		"Wählen Sie eine Datei zum Hochladen.",
		"Choisissez un fichier à envoyer.",
		"Elija un archivo para subir.",
	},
	"upload.one_file": {
		"Send one file per upload.",
		"Senden Sie nur eine Datei auf einmal.",
		"Envoyez un seul fichier à la fois.",
		"Envíe un solo archivo por subida.",
	},
	"upload.too_many_parts": {
		"The upload has too many parts.",
		"Die Anfrage zum Hochladen hat zu viele Teile.",
		"L'envoi comporte trop de parties.",
		"La subida tiene demasiadas partes.",
	},
	"upload.no_field": {
		"The upload did not say which field it is for.",
		"Beim Hochladen wurde nicht angegeben, für welches Feld die Datei ist.",
		"L'envoi n'indique pas à quel champ il est destiné.",
		"La subida no indicó para qué campo es.",
	},
	"upload.no_field_metadata": {
		`The upload did not say which field it is for (metadata "field").`,
		`Beim Hochladen wurde nicht angegeben, für welches Feld die Datei ist (Metadatum „field“).`,
		`L'envoi n'indique pas à quel champ il est destiné (métadonnée « field »).`,
		`La subida no indicó para qué campo es (metadato «field»).`,
	},
	"upload.field_named_wrongly": {
		"The upload named its field wrongly.",
		"Beim Hochladen wurde das Feld falsch benannt.",
		"Le champ de l'envoi est mal nommé.",
		"El campo de la subida tiene un nombre incorrecto.",
	},
	"upload.field_first": {
		"The upload must name its field before the file.",
		"Beim Hochladen muss das Feld vor der Datei genannt werden.",
		"L'envoi doit nommer son champ avant le fichier.",
		"La subida debe nombrar su campo antes del archivo.",
	},
	"upload.no_such_field": {
		"This form has no file field of that name.",
		"Dieses Formular hat kein Dateifeld mit diesem Namen.",
		"Ce formulaire n'a pas de champ de fichier de ce nom.",
		"Este formulario no tiene ningún campo de archivo con ese nombre.",
	},
	"upload.empty": {
		"The file is empty.",
		"Die Datei ist leer.",
		"Le fichier est vide.",
		"El archivo está vacío.",
	},
	"upload.too_large": {
		"The file is too large: the limit is {limit}.",
		"Die Datei ist zu groß: Die Grenze liegt bei {limit}.",
		"Le fichier est trop volumineux : la limite est de {limit}.",
		"El archivo es demasiado grande: el límite es {limit}.",
	},
	"upload.cut_short": {
		"The upload was cut short. Please try again.",
		"Das Hochladen wurde abgebrochen. Bitte versuchen Sie es noch einmal.",
		"L'envoi a été interrompu. Veuillez réessayer.",
		"La subida se cortó. Inténtelo de nuevo.",
	},
	"upload.cut_short_or_malformed": {
		"The upload was cut short or is malformed. Please try again.",
		"Das Hochladen wurde abgebrochen oder ist fehlerhaft. Bitte versuchen Sie es noch einmal.",
		"L'envoi a été interrompu ou est mal formé. Veuillez réessayer.",
		"La subida se cortó o está mal formada. Inténtelo de nuevo.",
	},
	"upload.stalled": {
		"The upload stopped sending data for {timeout}, so it was cut off. Please try again.",
		"Beim Hochladen kamen {timeout} lang keine Daten an, daher wurde es abgebrochen. Bitte versuchen Sie es noch einmal.",
		"L'envoi n'a transmis aucune donnée pendant {timeout} et a donc été coupé. Veuillez réessayer.",
		"La subida dejó de enviar datos durante {timeout}, así que se cortó. Inténtelo de nuevo.",
	},
	"upload.failed": {
		"Something went wrong with the upload. Please try again.",
		"Beim Hochladen ist etwas schiefgegangen. Bitte versuchen Sie es noch einmal.",
		"Un problème est survenu pendant l'envoi. Veuillez réessayer.",
		"Algo salió mal con la subida. Inténtelo de nuevo.",
	},
	"upload.not_processed": {
		"The file could not be processed. Please check it, or choose another one.",
		"Die Datei konnte nicht verarbeitet werden. Bitte prüfen Sie sie oder wählen Sie eine andere.",
		"Le fichier n'a pas pu être traité. Veuillez le vérifier ou en choisir un autre.",
		"No se pudo procesar el archivo. Revíselo o elija otro.",
	},

	// Types.
	"type.not_accepted": {
		"Files of this type are not accepted.",
		"Dateien dieses Typs werden nicht angenommen.",
		"Les fichiers de ce type ne sont pas acceptés.",
		"No se aceptan archivos de este tipo.",
	},
	"type.choose": {
		"This kind of file is not accepted. Choose {types}.",
		"Diese Art von Datei wird nicht angenommen. Wählen Sie {types}.",
		"Ce genre de fichier n'est pas accepté. Choisissez {types}.",
		"No se acepta este tipo de archivo. Elija {types}.",
	},
	"type.image":     {"an image", "ein Bild", "une image", "una imagen"},
	"type.video":     {"a video", "ein Video", "une vidéo", "un vídeo"},
	"type.audio":     {"an audio file", "eine Audiodatei", "un fichier audio", "un archivo de audio"},
	"type.text":      {"a text file", "eine Textdatei", "un fichier texte", "un archivo de texto"},
	"type.pdf":       {"a PDF", "eine PDF-Datei", "un PDF", "un PDF"},
	"type.jpeg":      {"a JPEG image", "ein JPEG-Bild", "une image JPEG", "una imagen JPEG"},
	"type.png":       {"a PNG image", "ein PNG-Bild", "une image PNG", "una imagen PNG"},
	"type.gif":       {"a GIF image", "ein GIF-Bild", "une image GIF", "una imagen GIF"},
	"type.webp":      {"a WebP image", "ein WebP-Bild", "une image WebP", "una imagen WebP"},
	"type.csv":       {"a CSV file", "eine CSV-Datei", "un fichier CSV", "un archivo CSV"},
	"type.zip":       {"a zip archive", "ein ZIP-Archiv", "une archive ZIP", "un archivo ZIP"},
	"type.extension": {"a {ext} file", "eine {ext}-Datei", "un fichier {ext}", "un archivo {ext}"},
	"type.other":     {"a file of type {type}", "eine Datei vom Typ {type}", "un fichier de type {type}", "un archivo de tipo {type}"},
	"list.or":        {"{list} or {last}", "{list} oder {last}", "{list} ou {last}", "{list} o {last}"},

	// Sizes and durations.
	"size.byte":    {"1 byte", "1 Byte", "1 octet", "1 byte"},
	"size.bytes":   {"{n} bytes", "{n} Bytes", "{n} octets", "{n} bytes"},
	"size.point":   {".", ",", ",", ","},
	"unit.second":  {"1 second", "1 Sekunde", "1 seconde", "1 segundo"},
	"unit.seconds": {"{n} seconds", "{n} Sekunden", "{n} secondes", "{n} segundos"},
	"unit.minute":  {"1 minute", "1 Minute", "1 minute", "1 minuto"},
	"unit.minutes": {"{n} minutes", "{n} Minuten", "{n} minutes", "{n} minutos"},

	// Limits of one user.
	"limits.busy": {
		"Too many uploads at once. Please wait for some to finish.",
		"Zu viele Dateien werden gleichzeitig hochgeladen. Bitte warten Sie, bis einige fertig sind.",
		"Trop d'envois en même temps. Veuillez attendre que certains se terminent.",
		"Demasiadas subidas a la vez. Espere a que terminen algunas.",
	},
	"limits.rate": {
		"Too many uploads. Please wait {wait} and try again.",
		"Zu viele Dateien hochgeladen. Bitte warten Sie {wait} und versuchen Sie es dann noch einmal.",
		"Trop d'envois. Veuillez patienter {wait} et réessayer.",
		"Demasiadas subidas. Espere {wait} e inténtelo de nuevo.",
	},
	"quota.unavailable": {
		"Your storage cannot be checked right now. Please try again in a moment.",
		"Ihr Speicherplatz kann gerade nicht geprüft werden. Bitte versuchen Sie es gleich noch einmal.",
		"Votre espace de stockage ne peut pas être vérifié pour le moment. Veuillez réessayer dans un instant.",
		"Ahora no se puede comprobar su espacio de almacenamiento. Inténtelo de nuevo en un momento.",
	},
	"quota.no_more_files": {
		"You cannot add more files: your storage holds as many as it may. Delete some to make room.",
		"Sie können keine weiteren Dateien hinzufügen: Ihr Speicherplatz enthält so viele, wie er darf. Löschen Sie einige, um Platz zu schaffen.",
		"Vous ne pouvez plus ajouter de fichiers : votre espace en contient le nombre maximal. Supprimez-en pour faire de la place.",
		"No puede añadir más archivos: su espacio ya tiene tantos como admite. Elimine algunos para hacer sitio.",
	},
	"quota.file_is": {
		"This file is {size}, but your storage has {left}.",
		"Diese Datei ist {size} groß, aber Ihr Speicherplatz hat {left}.",
		"Ce fichier fait {size}, mais votre espace de stockage a {left}.",
		"Este archivo ocupa {size}, pero su espacio de almacenamiento tiene {left}.",
	},
	"quota.does_not_fit": {
		"This file does not fit: your storage has {left}.",
		"Diese Datei passt nicht: Ihr Speicherplatz hat {left}.",
		"Ce fichier ne tient pas : votre espace de stockage a {left}.",
		"Este archivo no cabe: su espacio de almacenamiento tiene {left}.",
	},
	"quota.no_room": {"no room left", "keinen freien Platz mehr", "0 octet de place libre", "0 bytes de espacio libre"},
	"quota.room_left": {
		"only {size} of room left",
		"nur noch {size} frei",
		"seulement {size} de place libre",
		"solo {size} de espacio libre",
	},

	// The temporary store.
	"store.full": {
		"There is no room to store the file right now. Please try again later.",
		"Gerade ist kein Platz, um die Datei zu speichern. Bitte versuchen Sie es später noch einmal.",
		"Il n'y a pas de place pour enregistrer le fichier pour le moment. Veuillez réessayer plus tard.",
		"Ahora no hay espacio para guardar el archivo. Inténtelo de nuevo más tarde.",
	},
	"store.unavailable": {
		"The file could not be stored right now. Please try again in a moment.",
		"Die Datei konnte gerade nicht gespeichert werden. Bitte versuchen Sie es gleich noch einmal.",
		"Le fichier n'a pas pu être enregistré pour le moment. Veuillez réessayer dans un instant.",
		"Ahora no se pudo guardar el archivo. Inténtelo de nuevo en un momento.",
	},

	// Forms and the files they keep.
	"form.unreadable": {
		"The form could not be read. Please send it again.",
		"Das Formular konnte nicht gelesen werden. Bitte senden Sie es noch einmal.",
		"Le formulaire n'a pas pu être lu. Veuillez l'envoyer de nouveau.",
		"No se pudo leer el formulario. Envíelo de nuevo.",
	},
	"form.too_large": {
		"The form is too large: the limit is {limit}.",
		"Das Formular ist zu groß: Die Grenze liegt bei {limit}.",
		"Le formulaire est trop volumineux : la limite est de {limit}.",
		"El formulario es demasiado grande: el límite es {limit}.",
	},
	"form.too_many_fields": {
		"The form has too many fields.",
		"Das Formular hat zu viele Felder.",
		"Le formulaire a trop de champs.",
		"El formulario tiene demasiados campos.",
	},
	"form.fields_too_large": {
		"The form's fields are too large.",
		"Die Felder des Formulars sind zu groß.",
		"Les champs du formulaire sont trop volumineux.",
		"Los campos del formulario son demasiado grandes.",
	},
	"form.too_many_files": {
		"The form has too many files.",
		"Das Formular hat zu viele Dateien.",
		"Le formulaire contient trop de fichiers.",
		"El formulario tiene demasiados archivos.",
	},
	// Processing that goes on after the upload's answer.
	"process.still_checking": {
		"The file is still being checked. Please send the form again in a moment.",
		"Die Datei wird noch geprüft. Bitte senden Sie das Formular gleich noch einmal.",
		"Le fichier est encore en cours de vérification. Veuillez renvoyer le formulaire dans un instant.",
		"El archivo todavía se está comprobando. Envíe el formulario de nuevo en un momento.",
	},
	"process.too_long": {
		"Checking the file took too long. Please choose it again.",
		"Die Prüfung der Datei hat zu lange gedauert. Bitte wählen Sie sie erneut.",
		"La vérification du fichier a pris trop de temps. Veuillez le choisir à nouveau.",
		"La comprobación del archivo tardó demasiado. Elíjalo de nuevo.",
	},
	"process.stopped": {
		"The server stopped while checking the file. Please choose it again.",
		"Der Server wurde während der Prüfung der Datei beendet. Bitte wählen Sie sie erneut.",
		"Le serveur s'est arrêté pendant la vérification du fichier. Veuillez le choisir à nouveau.",
		"El servidor se detuvo mientras comprobaba el archivo. Elíjalo de nuevo.",
	},
	"process.status_get": {
		"Ask after an upload with GET.",
		"Fragen Sie den Stand einer Datei mit GET ab.",
		"Demandez l'état d'un envoi avec GET.",
		"Consulte el estado de una subida con GET.",
	},

	"form.choose": {
		"Choose a file.",
		"Wählen Sie eine Datei.",
		"Choisissez un fichier.",
		"Elija un archivo.",
	},
	"form.choose_some": {
		"Choose at least one file.",
		"Wählen Sie mindestens eine Datei.",
		"Choisissez au moins un fichier.",
		"Elija al menos un archivo.",
	},
	"form.named": {
		"{name}: {message}",
		"{name}: {message}",
		"{name} : {message}",
		"{name}: {message}",
	},
	"ref.expired": {
		"The file you chose earlier has expired. Please choose it again.",
		"Die zuvor gewählte Datei ist abgelaufen. Bitte wählen Sie sie noch einmal.",
		"Le fichier choisi plus tôt a expiré. Veuillez le choisir de nouveau.",
		"El archivo que eligió antes ha caducado. Elíjalo de nuevo.",
	},
	"ref.not_owner": {
		"The file you chose was uploaded by someone else. Please choose it again.",
		"Die gewählte Datei wurde von jemand anderem hochgeladen. Bitte wählen Sie sie noch einmal.",
		"Le fichier choisi a été envoyé par quelqu'un d'autre. Veuillez le choisir de nouveau.",
		"El archivo elegido lo subió otra persona. Elíjalo de nuevo.",
	},
	"ref.wrong_field": {
		"The file was uploaded for another field. Please choose it again.",
		"Die Datei wurde für ein anderes Feld hochgeladen. Bitte wählen Sie sie noch einmal.",
		"Le fichier a été envoyé pour un autre champ. Veuillez le choisir de nouveau.",
		"El archivo se subió para otro campo. Elíjalo de nuevo.",
	},
	"ref.invalid": {
		"The file reference is not valid. Please choose the file again.",
		"Der Verweis auf die Datei ist ungültig. Bitte wählen Sie die Datei noch einmal.",
		"La référence du fichier n'est pas valide. Veuillez choisir le fichier de nouveau.",
		"La referencia del archivo no es válida. Elija el archivo de nuevo.",
	},
	"ref.unfinished": {
		"The file you chose earlier did not finish uploading. Please choose it again.",
		"Die zuvor gewählte Datei wurde nicht fertig hochgeladen. Bitte wählen Sie sie noch einmal.",
		"Le fichier choisi plus tôt n'a pas fini d'être envoyé. Veuillez le choisir de nouveau.",
		"El archivo que eligió antes no terminó de subirse. Elíjalo de nuevo.",
	},
	"file.gone": {
		"The file you chose earlier is no longer available. Please choose it again.",
		"Die zuvor gewählte Datei ist nicht mehr verfügbar. Bitte wählen Sie sie noch einmal.",
		"Le fichier choisi plus tôt n'est plus disponible. Veuillez le choisir de nouveau.",
		"El archivo que eligió antes ya no está disponible. Elíjalo de nuevo.",
	},
	"file.unreachable": {
		"The file you chose",
		"Die gewählte Datei",
		"Le fichier choisi",
		"El archivo elegido",
	},
	"file.saved": {
		"This file has already been saved, or is being saved: it is no longer available here. Please choose it again if you need it.",
		"Diese Datei wurde schon gespeichert oder wird gerade gespeichert: Hier ist sie nicht mehr verfügbar. Bitte wählen Sie sie noch einmal, wenn Sie sie brauchen.",
		"Ce fichier a déjà été enregistré, ou est en cours d'enregistrement : il n'est plus disponible ici. Choisissez-le de nouveau si vous en avez besoin.",
		"Este archivo ya se guardó o se está guardando: aquí ya no está disponible. Elíjalo de nuevo si lo necesita.",
	},

	// Checksums of chunks (tus's Upload-Checksum).
	"checksum.damaged": {
		"A piece of the file arrived damaged (its checksum does not match). Please send it again.",
		"Ein Teil der Datei kam beschädigt an (seine Prüfsumme stimmt nicht). Bitte senden Sie ihn noch einmal.",
		"Une partie du fichier est arrivée endommagée (sa somme de contrôle ne correspond pas). Veuillez l'envoyer de nouveau.",
		"Una parte del archivo llegó dañada (su suma de comprobación no coincide). Envíela de nuevo.",
	},
	"checksum.algorithm": {
		"The checksum's algorithm (Upload-Checksum) is not supported here: use one of {algorithms}.",
		"Das Verfahren der Prüfsumme (Upload-Checksum) wird hier nicht unterstützt: Verwenden Sie eines von {algorithms}.",
		"L'algorithme de la somme de contrôle (Upload-Checksum) n'est pas pris en charge ici : utilisez l'un de {algorithms}.",
		"El algoritmo de la suma de comprobación (Upload-Checksum) no se admite aquí: use uno de {algorithms}.",
	},
	"checksum.digest": {
		"The checksum (Upload-Checksum) is not a base64 digest of its algorithm.",
		"Die Prüfsumme (Upload-Checksum) ist kein base64-kodierter Wert ihres Verfahrens.",
		"La somme de contrôle (Upload-Checksum) n'est pas une empreinte base64 de son algorithme.",
		"La suma de comprobación (Upload-Checksum) no es un resumen base64 de su algoritmo.",
	},

	// Resumable uploads (tus).
	"tus.create_with_post": {
		"Create uploads with POST.",
		"Legen Sie Uploads mit POST an.",
		"Créez les envois avec POST.",
		"Cree las subidas con POST.",
	},
	"tus.send_with_patch": {
		"Uploads are not served back; send them with PATCH.",
		"Hochgeladene Dateien werden nicht zurückgegeben; senden Sie sie mit PATCH.",
		"Les envois ne sont pas renvoyés ; transmettez-les avec PATCH.",
		"Las subidas no se devuelven; envíelas con PATCH.",
	},
	"tus.declare_length": {
		"Declare the upload's length when creating it.",
		"Geben Sie die Länge des Uploads beim Anlegen an.",
		"Déclarez la longueur de l'envoi à sa création.",
		"Declare la longitud de la subida al crearla.",
	},
	"tus.unknown": {
		"This upload is not known here: it may have expired or been removed. Please upload the file again.",
		"Dieser Upload ist hier nicht bekannt: Er ist vielleicht abgelaufen oder wurde entfernt. Bitte laden Sie die Datei noch einmal hoch.",
		"Cet envoi est inconnu ici : il a peut-être expiré ou été supprimé. Veuillez envoyer le fichier de nouveau.",
		"Esta subida no se conoce aquí: puede que haya caducado o se haya eliminado. Suba el archivo de nuevo.",
	},
	"tus.unfinished": {
		"This upload was never completed. Please upload the file again.",
		"Dieser Upload wurde nie abgeschlossen. Bitte laden Sie die Datei noch einmal hoch.",
		"Cet envoi n'a jamais été terminé. Veuillez envoyer le fichier de nouveau.",
		"Esta subida nunca se completó. Suba el archivo de nuevo.",
	},
	"tus.offset": {
		"The upload's offset does not match what the server holds. Ask for the offset (HEAD) and resume from there.",
		"Der Offset des Uploads passt nicht zu dem, was der Server hat. Fragen Sie den Offset ab (HEAD) und machen Sie dort weiter.",
		"La position de l'envoi ne correspond pas à ce que le serveur détient. Demandez la position (HEAD) et reprenez à partir de là.",
		"El desplazamiento de la subida no coincide con lo que tiene el servidor. Pida el desplazamiento (HEAD) y reanude desde ahí.",
	},
	"tus.too_long": {
		"The upload sent more bytes than it declared.",
		"Beim Hochladen wurden mehr Bytes gesendet als angegeben.",
		"L'envoi a transmis plus d'octets qu'il n'en avait déclaré.",
		"La subida envió más bytes de los que declaró.",
	},
	"tus.busy": {
		"The upload is busy with another request. Please try again in a moment.",
		"Der Upload ist mit einer anderen Anfrage beschäftigt. Bitte versuchen Sie es gleich noch einmal.",
		"L'envoi est occupé par une autre requête. Veuillez réessayer dans un instant.",
		"La subida está ocupada con otra petición. Inténtelo de nuevo en un momento.",
	},
	"tus.unsupported": {
		"This server does not support that kind of resumable upload. Declare the upload's length when creating it.",
		"Dieser Server unterstützt diese Art von fortsetzbarem Upload nicht. Geben Sie die Länge des Uploads beim Anlegen an.",
		"Ce serveur ne prend pas en charge ce genre d'envoi avec reprise. Déclarez la longueur de l'envoi à sa création.",
		"Este servidor no admite ese tipo de subida reanudable. Declare la longitud de la subida al crearla.",
	},
	"tus.malformed": {
		"The resumable upload request is malformed. Please try again.",
		"Die Anfrage für den fortsetzbaren Upload ist fehlerhaft. Bitte versuchen Sie es noch einmal.",
		"La requête d'envoi avec reprise est mal formée. Veuillez réessayer.",
		"La petición de subida reanudable está mal formada. Inténtelo de nuevo.",
	},

	// Direct uploads to the bucket.
	"direct.disabled": {
		"Direct uploads to the bucket are not enabled here.",
		"Direktes Hochladen in den Bucket ist hier nicht aktiviert.",
		"Les envois directs vers le bucket ne sont pas activés ici.",
		"Las subidas directas al bucket no están activadas aquí.",
	},
	"direct.no_object": {
		"The file has not reached the bucket, or was removed. Please upload it again.",
		"Die Datei ist nicht im Bucket angekommen oder wurde entfernt. Bitte laden Sie sie noch einmal hoch.",
		"Le fichier n'est pas arrivé dans le bucket, ou a été supprimé. Veuillez l'envoyer de nouveau.",
		"El archivo no ha llegado al bucket o se ha eliminado. Súbalo de nuevo.",
	},
	"direct.field_disabled": {
		"Direct uploads to the bucket are not enabled for this field.",
		"Für dieses Feld ist das direkte Hochladen in den Bucket nicht aktiviert.",
		"L'envoi direct vers le bucket n'est pas activé pour ce champ.",
		"La subida directa al bucket no está activada para este campo.",
	},
	"direct.part_checksum": {
		"Parts can carry only a SHA-256 checksum.",
		"Teile können nur eine SHA-256-Prüfsumme tragen.",
		"Les parties ne peuvent porter qu'une somme de contrôle SHA-256.",
		"Las partes solo pueden llevar una suma de comprobación SHA-256.",
	},
	"direct.bad_checksum": {
		"The SHA-256 checksum is not 32 bytes in base64.",
		"Die SHA-256-Prüfsumme besteht nicht aus 32 Bytes in Base64.",
		"La somme de contrôle SHA-256 ne fait pas 32 octets en base64.",
		"La suma de comprobación SHA-256 no tiene 32 bytes en base64.",
	},
	"direct.busy": {
		"This file is being completed by another request. Please try again in a moment.",
		"Diese Datei wird gerade von einer anderen Anfrage abgeschlossen. Bitte versuchen Sie es gleich noch einmal.",
		"Ce fichier est en cours de finalisation par une autre requête. Veuillez réessayer dans un instant.",
		"Otra petición está completando este archivo. Inténtelo de nuevo en un momento.",
	},
	"direct.method": {
		"This route takes {method}.",
		"Dieser Pfad erwartet {method}.",
		"Cette route accepte {method}.",
		"Esta ruta admite {method}.",
	},
	"direct.no_route": {
		"There is no such direct-upload route.",
		"Diesen Pfad für direktes Hochladen gibt es nicht.",
		"Cette route d'envoi direct n'existe pas.",
		"No existe esa ruta de subida directa.",
	},
	"direct.size": {
		"The declared size is not a number of bytes.",
		"Die angegebene Größe ist keine Anzahl von Bytes.",
		"La taille déclarée n'est pas un nombre d'octets.",
		"El tamaño declarado no es un número de bytes.",
	},
	"direct.part_numbers": {
		"Part numbers go from 1 to 10000.",
		"Teilnummern gehen von 1 bis 10000.",
		"Les numéros de partie vont de 1 à 10000.",
		"Los números de parte van de 1 a 10000.",
	},
	"direct.batch": {
		"Sign from 1 to {max} parts at once, each number given once, with as many sizes and checksums as numbers, if any.",
		"Es lassen sich 1 bis {max} Teile auf einmal signieren, jede Nummer einmal, mit ebenso vielen Größen und Prüfsummen wie Nummern, falls vorhanden.",
		"On signe de 1 à {max} parties à la fois, chaque numéro une seule fois, avec autant de tailles et de sommes de contrôle que de numéros, le cas échéant.",
		"Se firman de 1 a {max} partes a la vez, cada número una sola vez, con tantos tamaños y sumas de verificación como números, si los hay.",
	},
	"direct.name_parts": {
		"Name the parts to join.",
		"Nennen Sie die Teile, die zusammengefügt werden sollen.",
		"Nommez les parties à assembler.",
		"Indique las partes que se deben unir.",
	},
	"direct.foreign": {
		"This object was not uploaded through this server.",
		"Dieses Objekt wurde nicht über diesen Server hochgeladen.",
		"Cet objet n'a pas été envoyé par ce serveur.",
		"Este objeto no se subió a través de este servidor.",
	},
	"direct.size_differs": {
		"The file in the bucket is not the size declared. Please upload it again.",
		"Die Datei im Bucket hat nicht die angegebene Größe. Bitte laden Sie sie noch einmal hoch.",
		"Le fichier dans le bucket n'a pas la taille déclarée. Veuillez l'envoyer de nouveau.",
		"El archivo del bucket no tiene el tamaño declarado. Súbalo de nuevo.",
	},
	"direct.bad_json": {
		"The request's body is not the JSON expected.",
		"Der Inhalt der Anfrage ist nicht das erwartete JSON.",
		"Le corps de la requête n'est pas le JSON attendu.",
		"El cuerpo de la petición no es el JSON esperado.",
	},

	// Fine Uploader's protocol.
	"fine.twice": {
		"The upload sent {param} more than once.",
		"Beim Hochladen wurde {param} mehr als einmal gesendet.",
		"L'envoi a transmis {param} plus d'une fois.",
		"La subida envió {param} más de una vez.",
	},
	"fine.invalid": {
		"The upload sent an invalid {param}.",
		"Beim Hochladen wurde ein ungültiger Wert für {param} gesendet.",
		"L'envoi a transmis un {param} non valide.",
		"La subida envió un {param} no válido.",
	},
	"fine.no_uuid": {
		"The upload did not identify its file (qquuid).",
		"Beim Hochladen wurde die Datei nicht gekennzeichnet (qquuid).",
		"L'envoi n'identifie pas son fichier (qquuid).",
		"La subida no identificó su archivo (qquuid).",
	},
	"fine.chunk_index": {
		"The chunk's index does not fit the file.",
		"Die Nummer des Teils passt nicht zur Datei.",
		"L'index du morceau ne correspond pas au fichier.",
		"El índice del fragmento no corresponde al archivo.",
	},
	"fine.chunk_offset_or_size": {
		"The chunk's offset or size does not fit the file.",
		"Position oder Größe des Teils passen nicht zur Datei.",
		"La position ou la taille du morceau ne correspond pas au fichier.",
		"La posición o el tamaño del fragmento no corresponden al archivo.",
	},
	"fine.chunk_offset": {
		"The chunk's offset does not fit the file.",
		"Die Position des Teils passt nicht zur Datei.",
		"La position du morceau ne correspond pas au fichier.",
		"La posición del fragmento no corresponde al archivo.",
	},
	"fine.chunk_size": {
		"The chunk's size does not fit the file.",
		"Die Größe des Teils passt nicht zur Datei.",
		"La taille du morceau ne correspond pas au fichier.",
		"El tamaño del fragmento no corresponde al archivo.",
	},
	"fine.chunk_where": {
		"The chunk did not say where it belongs (qqpartindex, qqtotalparts, qqpartbyteoffset, qqchunksize, qqtotalfilesize).",
		"Der Teil hat nicht angegeben, wohin er gehört (qqpartindex, qqtotalparts, qqpartbyteoffset, qqchunksize, qqtotalfilesize).",
		"Le morceau n'indique pas où il se place (qqpartindex, qqtotalparts, qqpartbyteoffset, qqchunksize, qqtotalfilesize).",
		"El fragmento no indicó dónde va (qqpartindex, qqtotalparts, qqpartbyteoffset, qqchunksize, qqtotalfilesize).",
	},
	"fine.chunk_too_long": {
		"A chunk of the file is longer than it said.",
		"Ein Teil der Datei ist länger als angegeben.",
		"Un morceau du fichier est plus long qu'annoncé.",
		"Un fragmento del archivo es más largo de lo que indicó.",
	},
	"fine.chunks_disagree": {
		"The chunks of one file disagree about its field or size.",
		"Die Teile einer Datei widersprechen sich bei Feld oder Größe.",
		"Les morceaux d'un même fichier ne s'accordent pas sur son champ ou sa taille.",
		"Los fragmentos de un archivo no coinciden en su campo o tamaño.",
	},
	"fine.chunk_missing": {
		"A piece of the file is missing, so its upload starts over.",
		"Ein Teil der Datei fehlt, daher beginnt das Hochladen von vorn.",
		"Une partie du fichier manque : son envoi recommence.",
		"Falta una parte del archivo, así que la subida vuelve a empezar.",
	},
	"fine.expired": {
		"The upload of this file has expired or was removed; it starts over.",
		"Das Hochladen dieser Datei ist abgelaufen oder wurde entfernt; es beginnt von vorn.",
		"L'envoi de ce fichier a expiré ou a été supprimé ; il recommence.",
		"La subida de este archivo caducó o se eliminó; vuelve a empezar.",
	},
	"fine.unfinished": {
		"The upload of this file was never completed; it starts over.",
		"Das Hochladen dieser Datei wurde nie abgeschlossen; es beginnt von vorn.",
		"L'envoi de ce fichier n'a jamais été terminé ; il recommence.",
		"La subida de este archivo nunca se completó; vuelve a empezar.",
	},
	"fine.parameter_too_long": {
		"The upload has a parameter that is too long.",
		"Beim Hochladen ist ein Parameter zu lang.",
		"L'envoi comporte un paramètre trop long.",
		"La subida tiene un parámetro demasiado largo.",
	},
	"fine.endpoint": {
		"Send uploads to the endpoint itself.",
		"Senden Sie Dateien an den Endpunkt selbst.",
		"Envoyez les fichiers au point d'accès lui-même.",
		"Envíe las subidas al propio punto de acceso.",
	},
	"fine.methods": {
		"Send uploads with POST and deletions with DELETE.",
		"Senden Sie Dateien mit POST und Löschungen mit DELETE.",
		"Envoyez les fichiers avec POST et les suppressions avec DELETE.",
		"Envíe las subidas con POST y las eliminaciones con DELETE.",
	},
	"fine.other_field": {
		"This file was uploaded for another field. Choose it again.",
		"Diese Datei wurde für ein anderes Feld hochgeladen. Wählen Sie sie noch einmal.",
		"Ce fichier a été envoyé pour un autre champ. Choisissez-le de nouveau.",
		"Este archivo se subió para otro campo. Elíjalo de nuevo.",
	},
	"fine.delete_uuid": {
		"The deletion did not identify its file (qquuid).",
		"Beim Löschen wurde die Datei nicht gekennzeichnet (qquuid).",
		"La suppression n'identifie pas son fichier (qquuid).",
		"La eliminación no identificó su archivo (qquuid).",
	},
	"fine.not_yours": {
		"This file is not among your uploads.",
		"Diese Datei gehört nicht zu Ihren hochgeladenen Dateien.",
		"Ce fichier ne fait pas partie de vos envois.",
		"Este archivo no está entre sus subidas.",
	},

	// The virus scanner (package clamav).
	"scan.infected": {
		"This file contains a virus ({virus}) and was not accepted.",
		"Diese Datei enthält einen Virus ({virus}) und wurde nicht angenommen.",
		"Ce fichier contient un virus ({virus}) et n'a pas été accepté.",
		"Este archivo contiene un virus ({virus}) y no se ha aceptado.",
	},
	"scan.unavailable": {
		"Files cannot be checked for viruses right now. Please try again in a few minutes.",
		"Dateien können gerade nicht auf Viren geprüft werden. Bitte versuchen Sie es in ein paar Minuten noch einmal.",
		"Les fichiers ne peuvent pas être analysés pour détecter les virus pour le moment. Veuillez réessayer dans quelques minutes.",
		"Ahora no se pueden analizar los archivos en busca de virus. Inténtelo de nuevo dentro de unos minutos.",
	},
	"scan.too_large": {
		"This file is too large to be checked for viruses.",
		"Diese Datei ist zu groß, um auf Viren geprüft zu werden.",
		"Ce fichier est trop volumineux pour être analysé.",
		"Este archivo es demasiado grande para analizarlo en busca de virus.",
	},
	"scan.too_large_for": {
		"This file is too large to be checked for viruses. Files up to {limit} can be checked.",
		"Diese Datei ist zu groß, um auf Viren geprüft zu werden. Dateien bis {limit} können geprüft werden.",
		"Ce fichier est trop volumineux pour être analysé. Les fichiers jusqu'à {limit} peuvent l'être.",
		"Este archivo es demasiado grande para analizarlo en busca de virus. Se pueden analizar archivos de hasta {limit}.",
	},

	// The widget's controls.
	"widget.remove":  {"Remove", "Entfernen", "Retirer", "Quitar"},
	"widget.replace": {"Replace", "Ersetzen", "Remplacer", "Reemplazar"},
	"widget.cancel":  {"Cancel", "Abbrechen", "Annuler", "Cancelar"},
	"widget.retry":   {"Retry", "Erneut versuchen", "Réessayer", "Reintentar"},

	// The client script's own sentences (StickyUploads.messages, by the
	// name after "client."), embedded in the widget in its language.
	"client.checking": {
		"Checking {name}…",
		"{name} wird geprüft…",
		"Vérification de {name}…",
		"Comprobando {name}…",
	},
	"client.uploading": {
		"Uploading {name}…",
		"{name} wird hochgeladen…",
		"Envoi de {name}…",
		"Subiendo {name}…",
	},
	"client.uploadingMany": {
		"{count} files uploading.",
		"{count} Dateien werden hochgeladen.",
		"{count} fichiers en cours d'envoi.",
		"Subiendo {count} archivos.",
	},
	"client.progress": {
		"{name}: {percent}% uploaded.",
		"{name}: {percent} % hochgeladen.",
		"{name} : {percent} % envoyé.",
		"{name}: {percent} % subido.",
	},
	"client.progressMany": {
		"{count} files: {percent}% uploaded.",
		"{count} Dateien: {percent} % hochgeladen.",
		"{count} fichiers : {percent} % envoyé.",
		"{count} archivos: {percent} % subido.",
	},
	"client.uploaded": {
		"{name} uploaded.",
		"{name} hochgeladen.",
		"{name} envoyé.",
		"{name} subido.",
	},
	"client.allUploaded": {
		"All {count} files uploaded.",
		"Alle {count} Dateien hochgeladen.",
		"Les {count} fichiers sont envoyés.",
		"Se han subido los {count} archivos.",
	},
	"client.someUploaded": {
		"{done} of {count} files uploaded.",
		"{done} von {count} Dateien hochgeladen.",
		"{done} fichiers envoyés sur {count}.",
		"{done} de {count} archivos subidos.",
	},
	"client.cancelled": {
		"Upload cancelled.",
		"Hochladen abgebrochen.",
		"Envoi annulé.",
		"Subida cancelada.",
	},
	"client.removed": {
		"File removed.",
		"Datei entfernt.",
		"Fichier retiré.",
		"Archivo quitado.",
	},
	"client.waiting": {
		"Waiting for the upload to finish…",
		"Warten, bis das Hochladen fertig ist…",
		"En attente de la fin de l'envoi…",
		"Esperando a que termine la subida…",
	},
	"client.retrying": {
		"Connection lost, retrying in {seconds} s…",
		"Verbindung unterbrochen, neuer Versuch in {seconds} s…",
		"Connexion perdue, nouvel essai dans {seconds} s…",
		"Conexión perdida, reintentando en {seconds} s…",
	},
	"client.resuming": {
		"Resuming at {percent} %…",
		"Fortsetzen bei {percent} %…",
		"Reprise à {percent} %…",
		"Reanudando en el {percent} %…",
	},
	"client.interrupted": {
		"The upload of {name} was interrupted. Choose the same file again to resume it.",
		"Das Hochladen von {name} wurde unterbrochen. Wählen Sie dieselbe Datei noch einmal, um es fortzusetzen.",
		"L'envoi de {name} a été interrompu. Choisissez de nouveau le même fichier pour le reprendre.",
		"La subida de {name} se interrumpió. Elija de nuevo el mismo archivo para reanudarla.",
	},
	"client.network": {
		"The upload failed: the network connection was lost.",
		"Das Hochladen ist fehlgeschlagen: Die Netzwerkverbindung wurde unterbrochen.",
		"L'envoi a échoué : la connexion réseau a été perdue.",
		"La subida falló: se perdió la conexión de red.",
	},
	"client.http": {
		"The upload failed (HTTP {status}).",
		"Das Hochladen ist fehlgeschlagen (HTTP {status}).",
		"L'envoi a échoué (HTTP {status}).",
		"La subida falló (HTTP {status}).",
	},
	// The labels of a row's buttons, for screen readers (the server's
	// kept rows use removeNamed too).
	"client.cancelNamed": {"Cancel {name}", "{name} abbrechen", "Annuler {name}", "Cancelar {name}"},
	"client.retryNamed":  {"Retry {name}", "{name} erneut versuchen", "Réessayer {name}", "Reintentar {name}"},
	"client.removeNamed": {"Remove {name}", "{name} entfernen", "Retirer {name}", "Quitar {name}"},
	"client.badReply": {
		"The upload failed: the server sent a reply that could not be read.",
		"Das Hochladen ist fehlgeschlagen: Die Antwort des Servers war nicht lesbar.",
		"L'envoi a échoué : la réponse du serveur est illisible.",
		"La subida falló: la respuesta del servidor no se pudo leer.",
	},
}

// typeWords names accepted types and extensions in words, by message id.
var typeWords = map[string]string{
	"image/*": "type.image", "video/*": "type.video", "audio/*": "type.audio", "text/*": "type.text",
	"application/pdf": "type.pdf", ".pdf": "type.pdf", "text/plain": "type.text", ".txt": "type.text",
	"image/jpeg": "type.jpeg", ".jpg": "type.jpeg", ".jpeg": "type.jpeg",
	"image/png": "type.png", ".png": "type.png", "image/gif": "type.gif", ".gif": "type.gif",
	"image/webp": "type.webp", ".webp": "type.webp", "text/csv": "type.csv", ".csv": "type.csv",
	"application/zip": "type.zip", ".zip": "type.zip",
}
