package capture

import _ "embed"

// stepScript is injected into every frame of the recorded tab and reports
// the user's actions through the binding [StepBinding].
//
//go:embed stepscript.js
var stepScript string

// StepBinding is the name of the Runtime binding the step script calls with
// one JSON step per user action; the recorder writes each as a
// `Reprokit.step` record.
const StepBinding = "__reprokitStep"

// maskCSS hides password inputs and elements marked data-private while a
// screenshot or screencast frame is taken: they are painted black.
const maskCSS = `input[type=password],[data-private],[data-private] *{filter:brightness(0)!important;background:#000!important;color:#000!important;-webkit-text-fill-color:#000!important;border-color:#000!important;text-shadow:none!important}`

// maskExpression returns the JavaScript that adds (on) or removes the mask
// style in the document and in its same-origin frames; frames of other
// origins run in child sessions and get their own call.
func maskExpression(on bool) string {
	flag := "false"
	if on {
		flag = "true"
	}
	return `(function(on){var css=` + "`" + maskCSS + "`" + `;
function apply(doc){try{var s=doc.getElementById('__reprokit_mask');
if(on){if(!s){s=doc.createElement('style');s.id='__reprokit_mask';s.textContent=css;(doc.head||doc.documentElement).appendChild(s);}}
else if(s){s.remove();}
var fs=doc.querySelectorAll('iframe,frame');for(var i=0;i<fs.length;i++){try{if(fs[i].contentDocument)apply(fs[i].contentDocument);}catch(e){}}}catch(e){}}
apply(document);return true;})(` + flag + `)`
}
